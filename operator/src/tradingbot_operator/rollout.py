"""Rollout decisions (pure): what to do given the desired revision and the status.

progressing -> stable (stableRevision := current) | failed -> roll back to stableRevision, the failed
revision is remembered and never tried again automatically; a new revision is tried normally.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from tradingbot_operator.gate import GateResult, GateState


class Action(StrEnum):
    START = "start"  # roll out the desired revision and start its gate
    HOLD = "hold"  # desired revision failed before: keep running what runs
    GATE = "gate"  # the current revision is being gated
    PROMOTE = "promote"  # gate passed: current becomes stable
    ROLLBACK = "rollback"  # gate failed and a stable revision exists
    FAIL = "fail"  # gate failed and there is nothing to roll back to
    STEADY = "steady"  # nothing to do but keep the workload as it is


class Phase(StrEnum):
    PENDING = "Pending"
    PROGRESSING = "Progressing"
    STABLE = "Stable"
    ROLLED_BACK = "RolledBack"
    FAILED = "Failed"
    SUSPENDED = "Suspended"


@dataclasses.dataclass(frozen=True)
class RolloutView:
    current: str
    stable: str
    failed: tuple[str, ...]
    gate: GateState | None


def decide(desired: str, view: RolloutView) -> Action:
    gating = view.gate is not None and view.gate.revision == view.current and not view.gate.done
    if gating and view.gate is not None:
        # A new spec during a gate supersedes it (the gated revision is abandoned, not failed).
        if desired != view.current and desired not in view.failed:
            return Action.START
        return Action.GATE
    if view.gate is not None and view.gate.revision == view.current and view.gate.done:
        if view.gate.result is GateResult.PASSED and view.stable != view.current:
            return Action.PROMOTE
        if view.gate.result is GateResult.FAILED and view.current not in view.failed:
            return Action.ROLLBACK if view.stable and view.stable != view.current else Action.FAIL
    if desired == view.current:
        return Action.STEADY
    if desired in view.failed:
        return Action.HOLD
    return Action.START


def add_failed(failed: tuple[str, ...], revision: str, limit: int) -> tuple[str, ...]:
    """Remember a failed revision (newest last), bounded so status stays small."""
    kept = (*(r for r in failed if r != revision), revision)
    return kept[-max(limit, 1) :]
