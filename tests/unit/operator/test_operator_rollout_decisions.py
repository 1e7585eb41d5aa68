"""Rollout decisions (pure)."""

from __future__ import annotations

import dataclasses

from tradingbot_operator import gate
from tradingbot_operator.gate import GateResult
from tradingbot_operator.rollout import Action, RolloutView, add_failed, decide
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
