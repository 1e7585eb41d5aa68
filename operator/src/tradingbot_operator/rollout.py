"""Rollout decisions (pure): what to do given the desired revision and the status.

progressing -> stable (stableRevision := current) | failed -> roll back to stableRevision, the failed
revision is remembered and never tried again automatically; a new revision is tried normally.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import hashlib
from enum import StrEnum
from typing import Any

from tradingbot_operator import conditions as cond
from tradingbot_operator import gate as gate_mod
from tradingbot_operator.gate import GateResult, GateState
from tradingbot_operator.spec import HealthGate


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


# --- Status transitions (pure) ---------------------------------------------------------------------
#
# Intent first, like a built-in controller: a transition that changes the workload is written to the
# status BEFORE the StatefulSet is patched, so no reader ever sees Ready/Stable on a revision other than
# the one the pod template runs, and a crash between the two leaves a status the next pass finishes from
# (GATE re-applies the StatefulSet of a recorded START; HOLD re-applies it after a recorded rollback).


@dataclasses.dataclass(frozen=True)
class Stamp:
    """When a pass runs and which generation it acts on (conditions carry both)."""

    now: float
    generation: int

    @property
    def iso(self) -> str:
        return datetime.datetime.fromtimestamp(self.now, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_condition(
    status: dict[str, Any], stamp: Stamp, type_: str, value: cond.ConditionStatus, reason: str, message: str
) -> None:
    status["conditions"] = cond.set_condition(
        list(status.get("conditions") or []),
        type_,
        value,
        reason,
        message,
        now=stamp.iso,
        generation=stamp.generation,
    )


def record_start(status: dict[str, Any], desired: str, stamp: Stamp, policy: HealthGate) -> dict[str, Any]:
    """The status of a rollout of `desired` that is about to be applied (stableRevision is untouched)."""
    new = copy.deepcopy(status)
    new["currentRevision"] = desired
    new["gate"] = gate_mod.start(desired, stamp.now, policy).to_status()
    new["phase"] = Phase.PROGRESSING.value
    set_condition(
        new, stamp, cond.PROGRESSING, "True", "RolloutStarted", f"revision {desired} is rolling out"
    )
    set_condition(new, stamp, cond.READY, "False", "Progressing", f"revision {desired} is being gated")
    return new


def record_promotion(status: dict[str, Any], stamp: Stamp) -> dict[str, Any]:
    new = copy.deepcopy(status)
    current = str(new.get("currentRevision") or "")
    new["stableRevision"] = current
    new["phase"] = Phase.STABLE.value
    set_condition(new, stamp, cond.READY, "True", "GatePassed", f"revision {current} passed the health gate")
    set_condition(new, stamp, cond.PROGRESSING, "False", "RolloutComplete", f"revision {current} is stable")
    set_condition(new, stamp, cond.DEGRADED, "False", "Stable", f"running stable revision {current}")
    return new


def record_rollback(
    status: dict[str, Any], failed_rev: str, stable_rev: str, reason: str, stamp: Stamp, limit: int
) -> dict[str, Any]:
    """The status of a rollback from `failed_rev` to `stable_rev` that is about to be applied."""
    new = copy.deepcopy(status)
    new["failedRevisions"] = list(add_failed(tuple(new.get("failedRevisions") or ()), failed_rev, limit))
    new["currentRevision"] = stable_rev
    new["lastRollback"] = {
        "fromRevision": failed_rev,
        "toRevision": stable_rev,
        "reason": reason,
        "time": stamp.iso,
    }
    new["phase"] = Phase.ROLLED_BACK.value
    set_condition(
        new, stamp, cond.PROGRESSING, "False", "RolledBack", f"rolled back to revision {stable_rev}"
    )
    message = f"revision {failed_rev} failed the health gate ({reason}); rolled back to {stable_rev}"
    set_condition(new, stamp, cond.DEGRADED, "True", "RolledBack", message)
    message = f"waiting for revision {stable_rev} to answer healthy"
    set_condition(new, stamp, cond.READY, "False", "RolledBack", message)
    return new


def record_failure(
    status: dict[str, Any], failed_rev: str, reason: str, stamp: Stamp, limit: int
) -> dict[str, Any]:
    """Gate failed and there is no stable revision to go back to: the workload is left as it is."""
    new = copy.deepcopy(status)
    new["failedRevisions"] = list(add_failed(tuple(new.get("failedRevisions") or ()), failed_rev, limit))
    new["phase"] = Phase.FAILED.value
    set_condition(
        new, stamp, cond.PROGRESSING, "False", "GateFailed", f"revision {failed_rev} failed the health gate"
    )
    message = f"revision {failed_rev} failed the health gate ({reason}) and there is no stable revision"
    set_condition(new, stamp, cond.DEGRADED, "True", "GateFailed", message)
    set_condition(new, stamp, cond.READY, "False", "GateFailed", f"revision {failed_rev} is not healthy")
    return new


def transition_key(view: RolloutView) -> str:
    """Identifies the rollout state a transition starts from (for idempotent Event names).

    A pass that is repeated after a crash or a failed status write starts from the same status and so
    gets the same key; a later transition with the same reason and revision starts from another state
    (another gate start at least) and gets another key."""
    anchor = f"{view.gate.revision}@{view.gate.started_at:.3f}" if view.gate is not None else "-"
    return f"{view.current}|{view.stable}|{anchor}"


def event_name(bot_name: str, uid: str, reason: str, key: str) -> str:
    """A deterministic Event name per (TradingBot uid, reason, transition key): posting it twice finds it."""
    digest = hashlib.sha256(f"{uid}\n{reason}\n{key}".encode()).hexdigest()[:16]
    return f"{bot_name}.{reason.lower()}.{digest}"
