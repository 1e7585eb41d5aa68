"""Rollout controls given as annotations on the TradingBot, in the style of Argo Rollouts (pure).

Users never write `status` (only the operator does). They ask instead, through annotations:
- `tradingbot.dev/retry: "true"` (or the revision): roll out again the desired revision that failed its
  gate (it is taken off status.failedRevisions and goes through the gate anew);
- `tradingbot.dev/abort: "true"`: fail the gate in progress now, so the operator rolls back to the stable
  revision at once;
- `tradingbot.dev/promote: "true"`: pass the gate in progress now (recorded in status.gate.reason and as
  an Event);
- `tradingbot.dev/paused: "true"`: leave the bot alone (no rollout, no gate, no repair) until the
  annotation is removed or set to "false"; a gate in progress starts over on resume.
retry/abort/promote are one-shot: the operator removes the annotation once it has acted (or found
nothing to act on). Each control is an Event and the reason of the Progressing condition.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from tradingbot_operator import conditions as cond
from tradingbot_operator import gate as gate_mod
from tradingbot_operator.gate import GateResult, GateState
from tradingbot_operator.rollout import Stamp, record_start, set_condition
from tradingbot_operator.spec import GROUP, HealthGate

RETRY = f"{GROUP}/retry"
ABORT = f"{GROUP}/abort"
PROMOTE = f"{GROUP}/promote"
PAUSED = f"{GROUP}/paused"
ONE_SHOT = (RETRY, ABORT, PROMOTE)
ABORT_REASON = "aborted by the tradingbot.dev/abort annotation"
PROMOTE_REASON = "promoted by the tradingbot.dev/promote annotation"
PAUSED_REASON = "Paused"
TRUE_VALUES = ("true",)
FALSE_VALUES = ("false", "")


@dataclasses.dataclass(frozen=True)
class Requests:
    paused: bool
    retry: str | None = None  # "true" or a revision
    abort: bool = False
    promote: bool = False
    # One-shot annotations present (acknowledged by removal), with the value seen.
    present: tuple[tuple[str, str], ...] = ()
    invalid: tuple[str, ...] = ()


def _flag(annotations: dict[str, str], key: str, invalid: list[str]) -> bool:
    raw = annotations.get(key)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value not in FALSE_VALUES:
        invalid.append(f"{key}={raw!r} is not accepted (use 'true' or 'false')")
    return False


def read(annotations: dict[str, str] | None) -> Requests:
    ann = dict(annotations or {})
    invalid: list[str] = []
    paused_raw = ann.get(PAUSED, "").strip().lower()
    paused = _flag(ann, PAUSED, invalid)
    if paused_raw not in (*TRUE_VALUES, *FALSE_VALUES):
        paused = True  # a mistyped pause is still a wish to pause: the safe reading for a trading bot
    retry = ann.get(RETRY, "").strip() or None
    if retry is not None and retry.lower() == "false":
        retry = None
    return Requests(
        paused=paused,
        retry=retry,
        abort=_flag(ann, ABORT, invalid),
        promote=_flag(ann, PROMOTE, invalid),
        present=tuple((k, ann[k]) for k in ONE_SHOT if k in ann),
        invalid=tuple(invalid),
    )


def was_paused(status: dict[str, Any]) -> bool:
    found = cond.get_condition(status.get("conditions") or [], cond.PROGRESSING)
    return found is not None and found.get("reason") == PAUSED_REASON


def needs_pass(body: dict[str, Any]) -> bool:
    """Whether the annotations ask for something the status does not show yet (wake the bot's loop)."""
    requests = read((body.get("metadata") or {}).get("annotations"))
    return bool(requests.present) or requests.paused != was_paused(body.get("status") or {})


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: dict[str, Any]
    event_type: str  # Normal | Warning
    reason: str  # the Event's reason (also the Progressing condition's when it acted)
    message: str
    acted: bool


def pause(status: dict[str, Any], stamp: Stamp) -> Outcome:
    new = copy.deepcopy(status)
    message = f"reconciliation paused by the {PAUSED} annotation; remove it to resume"
    set_condition(new, stamp, cond.PROGRESSING, "False", PAUSED_REASON, message)
    return Outcome(new, "Normal", "Paused", message, acted=True)


def resume(status: dict[str, Any], stamp: Stamp, policy: HealthGate) -> Outcome:
    new = copy.deepcopy(status)
    message = "reconciliation resumed"
    raw_gate = new.get("gate")
    if raw_gate:
        state = GateState.from_status(raw_gate)
        if not state.done:
            # The pause may have outlasted the progress deadline: the gate starts over, it is not failed.
            new["gate"] = gate_mod.start(state.revision, stamp.now, policy).to_status()
            message += f"; the gate of revision {state.revision} starts over"
    set_condition(new, stamp, cond.PROGRESSING, "False", "Resumed", message)
    return Outcome(new, "Normal", "Resumed", message, acted=True)


def _pending_gate(status: dict[str, Any]) -> GateState | None:
    raw = status.get("gate")
    state = GateState.from_status(raw) if raw else None
    return state if state is not None and not state.done else None


def abort(status: dict[str, Any], stamp: Stamp) -> Outcome:
    state = _pending_gate(status)
    if state is None:
        return Outcome(status, "Normal", "AbortIgnored", "abort: no rollout in progress", acted=False)
    new = copy.deepcopy(status)
    new["gate"] = dataclasses.replace(state, result=GateResult.FAILED, reason=ABORT_REASON).to_status()
    message = f"rollout of revision {state.revision} aborted; rolling back"
    set_condition(new, stamp, cond.PROGRESSING, "True", "Aborted", message)
    return Outcome(new, "Warning", "Aborted", message, acted=True)


def promote(status: dict[str, Any], stamp: Stamp) -> Outcome:
    state = _pending_gate(status)
    if state is None:
        return Outcome(status, "Normal", "PromoteIgnored", "promote: no gate in progress", acted=False)
    reason = (
        f"{PROMOTE_REASON} after {state.successes} consecutive healthy probes ({state.probes} probes in all)"
    )
    new = copy.deepcopy(status)
    new["gate"] = dataclasses.replace(state, result=GateResult.PASSED, reason=reason).to_status()
    message = f"revision {state.revision} promoted before its gate ended: {reason}"
    set_condition(new, stamp, cond.PROGRESSING, "True", "Promoted", message)
    return Outcome(new, "Normal", "Promoted", message, acted=True)


def retry(status: dict[str, Any], stamp: Stamp, desired: str, requested: str, policy: HealthGate) -> Outcome:
    failed = list(status.get("failedRevisions") or [])
    if requested.lower() not in ("true", desired):
        message = (
            f"retry: revision {requested!r} is not the desired revision {desired}; use 'true' or {desired!r}"
        )
        return Outcome(status, "Warning", "RetryIgnored", message, acted=False)
    if desired not in failed:
        message = f"retry: the desired revision {desired} has not failed; nothing to retry"
        return Outcome(status, "Normal", "RetryIgnored", message, acted=False)
    # A fresh gate on the revision, as a rollout start records it: the next step gates it, applying its
    # template first (currentRevision follows once the StatefulSet carries it).
    new = record_start(status, desired, stamp, policy)
    new["failedRevisions"] = [r for r in failed if r != desired]
    message = f"revision {desired} is retried: it goes through the health gate again"
    set_condition(new, stamp, cond.PROGRESSING, "True", "Retried", message)
    return Outcome(new, "Normal", "Retried", message, acted=True)
