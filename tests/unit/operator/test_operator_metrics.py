"""The operator's metrics: bots by phase, the progress deadline, series that exist before they count."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from tradingbot_operator.metrics import Metrics


def _samples(m: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(m.render().decode())
        for s in family.samples
    }


def _get(m: Metrics, metric: str, /, **labels: str) -> float | None:
    return _samples(m).get((metric, tuple(sorted(labels.items()))))


PROGRESSING = {"phase": "Progressing", "gate": {"startedAt": 1000.0, "result": "Pending"}}


def test_phases_are_counted_and_forgotten() -> None:
    m = Metrics()
    assert _get(m, "tradingbot_operator_bots", phase="Stable") == 0
    m.observe_bot("a", "b1", {"phase": "Stable"}, {})
    m.observe_bot("a", "b2", {"phase": "Stable"}, {})
    m.observe_bot("a", "b3", PROGRESSING, {})
    assert _get(m, "tradingbot_operator_bots", phase="Stable") == 2
    assert _get(m, "tradingbot_operator_bots", phase="Progressing") == 1
    m.observe_bot("a", "b3", {"phase": "Stable"}, {})  # a bot moves, it is not counted twice
    m.forget_bot("a", "b1")
    assert _get(m, "tradingbot_operator_bots", phase="Stable") == 2
    assert _get(m, "tradingbot_operator_bots", phase="Progressing") == 0
    assert _get(m, "tradingbot_operator_rollout_deadline_timestamp_seconds", namespace="a", name="b1") is None


def test_deadline_only_while_progressing_with_a_pending_gate() -> None:
    m = Metrics()
    deadline = "tradingbot_operator_rollout_deadline_timestamp_seconds"
    m.observe_bot("a", "b", PROGRESSING, {"healthGate": {"progressDeadlineSeconds": 30}})
    assert _get(m, deadline, namespace="a", name="b") == 1030.0
    m.observe_bot("a", "b", PROGRESSING, {})  # the CRD's default deadline
    assert _get(m, deadline, namespace="a", name="b") == 1600.0
    passed = {"phase": "Progressing", "gate": {"startedAt": 1000.0, "result": "Passed"}}
    for status, spec in (
        (passed, {}),
        ({"phase": "Stable", "gate": PROGRESSING["gate"]}, {}),
        ({"phase": "Progressing", "gate": "garbage"}, {}),
        (PROGRESSING, {"healthGate": "garbage"}),
    ):
        m.observe_bot("a", "b", status, spec)
        expected = 1600.0 if spec == {"healthGate": "garbage"} else 0.0
        assert _get(m, deadline, namespace="a", name="b") == expected, (status, spec)


def test_rollback_series_exists_at_zero_from_the_first_pass() -> None:
    # increase() needs a sample before the first rollback, or the rollback alert never sees it.
    m = Metrics()
    m.observe_bot("prod", "bot1", {"phase": "Stable"}, {})
    assert _get(m, "tradingbot_operator_rollbacks_total", namespace="prod", name="bot1") == 0
    assert _get(m, "tradingbot_operator_rollouts_total", event="rolled_back") == 0
    assert _get(m, "tradingbot_operator_health_probes_total", result="unhealthy") == 0
    assert not any(metric.endswith("_created") for metric, _ in _samples(m))
