"""Rollout decisions (pure)."""

from __future__ import annotations

import dataclasses
from typing import Any

from tradingbot_operator import gate
from tradingbot_operator.gate import GateResult
from tradingbot_operator.rollout import (
    Action,
    Phase,
    RolloutView,
    Stamp,
    add_failed,
    decide,
    event_name,
    record_applied,
    record_failure,
    record_promotion,
    record_rollback,
    record_rolled_back,
    record_start,
    transition_key,
)
from tradingbot_operator.spec import HealthGate

POLICY = HealthGate()


def gating(rev: str, result: GateResult = GateResult.PENDING) -> gate.GateState:
    return dataclasses.replace(gate.start(rev, 0.0, POLICY), result=result)


def test_first_revision_starts() -> None:
    assert decide("a", RolloutView("", "", (), None)) is Action.START


def test_same_revision_is_steady() -> None:
    assert decide("a", RolloutView("a", "a", (), gating("a", GateResult.PASSED))) is Action.STEADY


def test_pending_gate_keeps_gating() -> None:
    assert decide("b", RolloutView("b", "a", (), gating("b"))) is Action.GATE


def test_passed_gate_promotes() -> None:
    assert decide("b", RolloutView("b", "a", (), gating("b", GateResult.PASSED))) is Action.PROMOTE


def test_failed_gate_rolls_back_to_stable() -> None:
    assert decide("b", RolloutView("b", "a", (), gating("b", GateResult.FAILED))) is Action.ROLLBACK


def test_failed_gate_without_stable_fails() -> None:
    assert decide("a", RolloutView("a", "", (), gating("a", GateResult.FAILED))) is Action.FAIL


def test_failed_revision_is_never_retried_automatically() -> None:
    view = RolloutView("a", "a", ("b",), gating("b", GateResult.FAILED))
    assert decide("b", view) is Action.HOLD


def test_a_new_revision_after_a_failure_is_tried() -> None:
    view = RolloutView("a", "a", ("b",), gating("b", GateResult.FAILED))
    assert decide("c", view) is Action.START


def test_a_new_spec_during_a_gate_supersedes_it() -> None:
    assert decide("c", RolloutView("b", "a", (), gating("b"))) is Action.START


def test_returning_to_the_stable_revision_is_steady_even_with_failures() -> None:
    view = RolloutView("a", "a", ("b",), gating("b", GateResult.FAILED))
    assert decide("a", view) is Action.STEADY


def test_failed_list_is_bounded_and_deduplicated() -> None:
    assert add_failed(("a", "b"), "a", 10) == ("b", "a")
    assert add_failed(("a", "b", "c"), "d", 2) == ("c", "d")


# --- Intent first: the status transitions recorded before the workload is touched ------------------

STAMP = Stamp(now=1_700_000_000.0, generation=3)


def stable_status(rev: str = "a") -> dict[str, Any]:
    status = record_promotion(record_applied(record_start({}, rev, STAMP, POLICY), rev), STAMP)
    status["gate"] = gating(rev, GateResult.PASSED).to_status()
    return status


def conditions(status: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}


def test_a_recorded_start_is_progressing_not_ready_and_keeps_the_stable_revision() -> None:
    old = stable_status("a")
    new = record_start(old, "b", STAMP, POLICY)
    # The StatefulSet does not carry b yet: currentRevision still names a (record_applied moves it).
    assert new["currentRevision"] == "a"
    assert record_applied(new, "b")["currentRevision"] == "b"
    assert new["stableRevision"] == "a"
    assert new["phase"] == Phase.PROGRESSING.value
    assert conditions(new)["Ready"] == ("False", "Progressing")
    assert conditions(new)["Progressing"] == ("True", "RolloutStarted")
    gate_state = gate.GateState.from_status(new["gate"])
    assert (gate_state.revision, gate_state.successes, gate_state.failures, gate_state.result) == (
        "b",
        0,
        0,
        GateResult.PENDING,
    )
    assert old["currentRevision"] == "a", "the input status is not modified"


def test_after_a_recorded_start_the_next_pass_gates_instead_of_starting_again() -> None:
    """A crash between the status write and the StatefulSet patch: the next pass must not START (and
    so create a revision or post an Event) again, it gates the recorded revision (and re-applies it)."""
    new = record_start(stable_status("a"), "b", STAMP, POLICY)
    view = RolloutView(
        new["currentRevision"], new["stableRevision"], (), gate.GateState.from_status(new["gate"])
    )
    assert decide("b", view) is Action.GATE


def test_a_recorded_but_unapplied_rollback_still_names_the_failed_template_and_is_finished() -> None:
    """Between the rollback's status write and the StatefulSet patch the status must not say the stable
    revision runs; a pass that died there leaves a status from which the next pass rolls back again."""
    gated = record_applied(record_start(stable_status("a"), "b", STAMP, POLICY), "b")
    gated["gate"] = gating("b", GateResult.FAILED).to_status()
    intent = record_rollback(gated, "b", "a", "2 consecutive unhealthy probes", STAMP, limit=10)
    assert (intent["currentRevision"], intent["phase"]) == ("b", Phase.ROLLING_BACK.value)
    assert conditions(intent)["Ready"] == ("False", "RollingBack")
    view = RolloutView("b", "a", tuple(intent["failedRevisions"]), gate.GateState.from_status(intent["gate"]))
    assert decide("b", view) is Action.ROLLBACK


def test_a_start_recorded_but_not_applied_gates_its_revision() -> None:
    new = record_start(stable_status("a"), "b", STAMP, POLICY)
    view = RolloutView("a", "a", (), gate.GateState.from_status(new["gate"]))
    assert decide("b", view) is Action.GATE


def test_a_recorded_rollback_is_not_ready_and_the_next_pass_holds() -> None:
    gated = record_applied(record_start(stable_status("a"), "b", STAMP, POLICY), "b")
    gated["gate"] = gating("b", GateResult.FAILED).to_status()
    intent = record_rollback(gated, "b", "a", "2 consecutive unhealthy probes", STAMP, limit=10)
    new = record_rolled_back(intent, "a", STAMP)
    assert (new["currentRevision"], new["stableRevision"], new["phase"]) == (
        "a",
        "a",
        Phase.ROLLED_BACK.value,
    )
    assert new["failedRevisions"] == ["b"]
    assert new["lastRollback"]["fromRevision"] == "b"
    assert new["lastRollback"]["toRevision"] == "a"
    assert conditions(new)["Ready"] == ("False", "RolledBack")
    assert conditions(new)["Degraded"] == ("True", "RolledBack")
    view = RolloutView("a", "a", tuple(new["failedRevisions"]), gate.GateState.from_status(new["gate"]))
    # The spec still hashes to b: HOLD, which re-applies the current (stable) revision; no second rollback.
    assert decide("b", view) is Action.HOLD


def test_a_recorded_failure_without_stable_is_failed_and_not_ready() -> None:
    gated = record_start({}, "a", STAMP, POLICY)
    new = record_failure(gated, "a", "progress deadline", STAMP, limit=10)
    assert new["phase"] == Phase.FAILED.value
    assert new["failedRevisions"] == ["a"]
    assert conditions(new)["Ready"] == ("False", "GateFailed")


def test_promotion_makes_the_current_revision_stable_and_ready() -> None:
    gated = record_applied(record_start(stable_status("a"), "b", STAMP, POLICY), "b")
    new = record_promotion(gated, STAMP)
    assert (new["currentRevision"], new["stableRevision"], new["phase"]) == ("b", "b", Phase.STABLE.value)
    assert conditions(new)["Ready"] == ("True", "GatePassed")


def test_event_names_repeat_for_a_repeated_pass_and_differ_for_a_new_transition() -> None:
    view = RolloutView("a", "a", (), gating("a", GateResult.PASSED))
    key = transition_key(view)
    name = event_name("bot1", "uid-1", "RolloutStarted", key)
    assert name == event_name("bot1", "uid-1", "RolloutStarted", transition_key(view))
    assert name.startswith("bot1.rolloutstarted.")
    # The same revision rolled out again later starts from another gate: another Event.
    later = RolloutView("a", "a", (), dataclasses.replace(gating("a", GateResult.PASSED), started_at=60.0))
    assert event_name("bot1", "uid-1", "RolloutStarted", transition_key(later)) != name
    assert event_name("bot1", "uid-2", "RolloutStarted", key) != name, "a re-created bot is another object"
    assert event_name("bot1", "uid-1", "GatePassed", key) != name
