"""Annotation controls (pure): parsing, and the status each control asks for."""

from __future__ import annotations

import dataclasses

from tradingbot_operator import controls, gate
from tradingbot_operator.gate import GateResult
from tradingbot_operator.rollout import Action, RolloutView, Stamp, decide
from tradingbot_operator.spec import HealthGate

POLICY = HealthGate()
STAMP = Stamp(now=2_000.0, generation=4)


def view_of(status: dict[str, object]) -> RolloutView:
    raw = status.get("gate")
    return RolloutView(
        str(status.get("currentRevision") or ""),
        str(status.get("stableRevision") or ""),
        tuple(status.get("failedRevisions") or ()),  # type: ignore[arg-type]
        gate.GateState.from_status(raw) if isinstance(raw, dict) else None,
    )


def gating(rev: str, **kw: object) -> dict[str, object]:
    state = dataclasses.replace(gate.start(rev, 1_000.0, POLICY), **kw)  # type: ignore[arg-type]
    return {"currentRevision": rev, "stableRevision": "a", "gate": state.to_status()}


def test_read_annotations() -> None:
    r = controls.read({controls.PAUSED: "true", controls.ABORT: "True", controls.RETRY: "abc", "x": "y"})
    assert (r.paused, r.abort, r.promote, r.retry) == (True, True, False, "abc")
    assert dict(r.present) == {controls.RETRY: "abc", controls.ABORT: "True"}
    assert controls.read(None) == controls.Requests(paused=False)


def test_a_mistyped_pause_still_pauses_and_is_reported() -> None:
    r = controls.read({controls.PAUSED: "yes"})
    assert r.paused
    assert r.invalid == ("tradingbot.dev/paused='yes' is not accepted (use 'true' or 'false')",)


def test_abort_fails_the_gate_so_the_next_step_rolls_back() -> None:
    out = controls.abort(gating("b"), STAMP)
    assert out.acted
    assert out.reason == "Aborted"
    assert decide("b", view_of(out.status)) is Action.ROLLBACK
    assert controls.abort(gating("b", result=GateResult.PASSED), STAMP).acted is False


def test_promote_passes_the_gate_and_records_why() -> None:
    out = controls.promote(gating("b", successes=1, probes=3), STAMP)
    assert decide("b", view_of(out.status)) is Action.PROMOTE
    assert "promoted by the tradingbot.dev/promote annotation after 1" in out.status["gate"]["reason"]  # type: ignore[index]


def test_retry_gates_the_failed_desired_revision_anew() -> None:
    failed = {
        "currentRevision": "a",
        "stableRevision": "a",
        "failedRevisions": ["b"],
        "gate": dataclasses.replace(gate.start("b", 1.0, POLICY), result=GateResult.FAILED).to_status(),
    }
    assert decide("b", view_of(failed)) is Action.HOLD
    out = controls.retry(failed, STAMP, "b", "true", POLICY)
    assert out.acted
    assert out.status["failedRevisions"] == []
    assert decide("b", view_of(out.status)) is Action.GATE
    assert controls.retry(failed, STAMP, "b", "zzz", POLICY).reason == "RetryIgnored"
    assert controls.retry(out.status, STAMP, "b", "b", POLICY).acted is False


def test_resume_restarts_a_pending_gate() -> None:
    paused = controls.pause(gating("b", successes=2), STAMP).status
    assert controls.was_paused(paused)
    out = controls.resume(paused, Stamp(now=9_999.0, generation=4), POLICY)
    state = gate.GateState.from_status(out.status["gate"])  # type: ignore[arg-type]
    assert (state.started_at, state.successes) == (9_999.0, 0)
    assert not controls.was_paused(out.status)


def test_needs_pass_only_for_news() -> None:
    body = {"metadata": {"annotations": {controls.PAUSED: "true"}}, "status": {}}
    assert controls.needs_pass(body)
    body["status"] = controls.pause({}, STAMP).status
    assert not controls.needs_pass(body)
    body["metadata"]["annotations"][controls.PROMOTE] = "true"  # type: ignore[index]
    assert controls.needs_pass(body)


def test_a_promoted_gate_whose_template_is_not_applied_yet_is_applied_then_promoted() -> None:
    status = controls.promote(gating("b"), STAMP).status
    status["currentRevision"] = "a"  # the start's StatefulSet patch had failed
    assert decide("b", view_of(status)) is Action.GATE
    status["currentRevision"] = "b"
    assert decide("b", view_of(status)) is Action.PROMOTE
