"""`ctl get` output (pure) and the ctl's usage errors."""

from __future__ import annotations

from tradingbot_operator import controls, ctl
from tradingbot_operator.revisions import Revision


def rev(name: str, number: int, image: str) -> Revision:
    return Revision(name, number, {"spec": {"containers": [{"image": image}]}}, f"cm-{name}", None)


def test_get_shows_gate_progress_and_history() -> None:
    body = {
        "metadata": {"name": "bot1", "namespace": "staging", "annotations": {controls.ABORT: "true"}},
        "spec": {"healthGate": {"successThreshold": 3, "failureThreshold": 2, "progressDeadlineSeconds": 60}},
        "status": {
            "phase": "Progressing",
            "currentRevision": "ccc",
            "stableRevision": "bbb",
            "failedRevisions": ["aaa"],
            "gate": {"revision": "ccc", "startedAt": 100.0, "successes": 1, "failures": 0, "probes": 1,
                     "result": "Pending", "reason": ""},
            "conditions": [{"type": "Progressing", "status": "True", "reason": "RolloutStarted",
                            "message": "revision ccc is rolling out"}],
        },
    }  # fmt: skip
    text = ctl.format_get(
        body, [rev("aaa", 1, "img:bad"), rev("bbb", 2, "img:1"), rev("ccc", 3, "img:2")], 130.0
    )
    assert "Reason:        RolloutStarted" in text
    assert "healthy 1/3, unhealthy 0/2, 1 probes, deadline in 30s" in text
    assert "Pending:       tradingbot.dev/abort=true (not acted on yet)" in text
    rows = text.splitlines()[-3:]
    assert rows[0].split()[:3] == ["3", "ccc", "img:2"]
    assert "◌ Progressing (gate 1/3)" in rows[0]
    assert "✔ Stable" in rows[1]
    assert "✖ Failed" in rows[2]


def test_bad_command_is_a_usage_error() -> None:
    assert ctl.main(["frobnicate", "bot1"]) == 2
    assert ctl.main(["get"]) == 2
