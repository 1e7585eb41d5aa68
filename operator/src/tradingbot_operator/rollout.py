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
    ROLLING_BACK = "RollingBack"  # rollback recorded, the StatefulSet not yet back on the stable template
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
    """The next step. The gate's revision is the one being rolled out; `current` is the one the
    StatefulSet is known to carry (they differ between the recorded start and the applied template)."""
    g = view.gate
    if g is not None and not g.done:
        # A new spec during a gate supersedes it (the gated revision is abandoned, not failed).
        if desired != g.revision and desired not in view.failed:
            return Action.START
        return Action.GATE
    if g is not None:
        if g.result is GateResult.PASSED and g.revision == view.current and view.stable != view.current:
            return Action.PROMOTE
        if g.result is GateResult.PASSED and g.revision != view.current and desired == g.revision:
            # Passed (a promote annotation) before its template was applied: apply it, then promote.
            return Action.GATE
        if g.result is GateResult.FAILED:
            has_stable = bool(view.stable) and view.stable != g.revision
            if g.revision not in view.failed:
                return Action.ROLLBACK if has_stable else Action.FAIL
            if has_stable and view.current == g.revision:
                # The rollback is recorded but the StatefulSet still carries the failed template (the pass
                # died before its patch): finish it.
                return Action.ROLLBACK
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
# status BEFORE the StatefulSet is patched (gate.revision, phase Progressing or RollingBack, Ready=False),
# and currentRevision follows only AFTER the patch (record_applied, record_rolled_back). So
# currentRevision is always a template the StatefulSet carries, stableRevision one that passed the gate
# on it, and a crash between the writes leaves a status the next pass finishes from (GATE applies the
# template of a recorded START; ROLLBACK is decided again for a recorded but unapplied rollback).


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
    """The status of a rollout of `desired` that is about to be applied (current/stable are untouched)."""
    new = copy.deepcopy(status)
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


def record_applied(status: dict[str, Any], revision: str) -> dict[str, Any]:
    """The StatefulSet now carries `revision`'s template."""
    new = copy.deepcopy(status)
    new["currentRevision"] = revision
    return new


def record_rollback(
    status: dict[str, Any], failed_rev: str, stable_rev: str, reason: str, stamp: Stamp, limit: int
) -> dict[str, Any]:
    """The intent of a rollback from `failed_rev` to `stable_rev`, written before the StatefulSet goes
    back (currentRevision still names the failed template, which still runs)."""
    new = copy.deepcopy(status)
    new["failedRevisions"] = list(add_failed(tuple(new.get("failedRevisions") or ()), failed_rev, limit))
    new["lastRollback"] = {
        "fromRevision": failed_rev,
        "toRevision": stable_rev,
        "reason": reason,
        "time": stamp.iso,
    }
    new["phase"] = Phase.ROLLING_BACK.value
    set_condition(
        new, stamp, cond.PROGRESSING, "True", "RollingBack", f"rolling back to revision {stable_rev}"
    )
    message = f"revision {failed_rev} failed the health gate ({reason}); rolling back to {stable_rev}"
    set_condition(new, stamp, cond.DEGRADED, "True", "RolledBack", message)
    message = f"revision {failed_rev} failed; waiting for revision {stable_rev}"
    set_condition(new, stamp, cond.READY, "False", "RollingBack", message)
    return new


def record_rolled_back(
    status: dict[str, Any], stable_rev: str, stamp: Stamp, cause: str = "RolledBack"
) -> dict[str, Any]:
    """The StatefulSet carries `stable_rev` again (`cause`: RolledBack, or Aborted for a manual abort)."""
    new = record_applied(status, stable_rev)
    failed_rev = str((new.get("lastRollback") or {}).get("fromRevision") or "")
    reason = str((new.get("lastRollback") or {}).get("reason") or "")
    new["phase"] = Phase.ROLLED_BACK.value
    set_condition(new, stamp, cond.PROGRESSING, "False", cause, f"rolled back to revision {stable_rev}")
    message = f"revision {failed_rev} failed the health gate ({reason}); rolled back to {stable_rev}"
    set_condition(new, stamp, cond.DEGRADED, "True", cause, message)
    message = f"waiting for revision {stable_rev} to answer healthy"
    set_condition(new, stamp, cond.READY, "False", cause, message)
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
