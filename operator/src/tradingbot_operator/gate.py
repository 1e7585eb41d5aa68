"""The health gate as a pure state machine.

A new revision is probed every periodSeconds after initialDelaySeconds; successThreshold consecutive
healthy probes pass it, failureThreshold consecutive unhealthy probes or the progress deadline fail it.
Times are wall-clock epoch seconds because the state is persisted in the CR's status and must mean the
same thing to a restarted operator (a monotonic clock does not survive a process restart).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from tradingbot_operator.spec import GateStatus, HealthGate

Clock = Callable[[], float]

# While the revision's pod is not there yet (ProbeResult.PENDING) the gate looks again this soon (or
# after periodSeconds if that is shorter): such a look is a GET of the pod, not a probe of the bot, and
# waiting a whole period after a pod that was a moment late would delay every verdict by one period.
PENDING_RECHECK_SECONDS = 0.5


class ProbeResult(StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    # The pod of this revision is not there yet: only the deadline counts.
    PENDING = "pending"


class GateResult(StrEnum):
    PENDING = "Pending"
    PASSED = "Passed"
    FAILED = "Failed"


@dataclasses.dataclass(frozen=True)
class GateState:
    revision: str
    started_at: float
    next_probe_at: float
    successes: int = 0
    failures: int = 0
    probes: int = 0
    result: GateResult = GateResult.PENDING
    reason: str = ""

    @property
    def done(self) -> bool:
        return self.result is not GateResult.PENDING

    def to_status(self) -> dict[str, Any]:
        return GateStatus(
            revision=self.revision,
            startedAt=round(self.started_at, 3),
            nextProbeAt=round(self.next_probe_at, 3),
            successes=self.successes,
            failures=self.failures,
            probes=self.probes,
            result=self.result.value,
            reason=self.reason,
        ).model_dump()

    @classmethod
    def from_status(cls, raw: dict[str, Any]) -> GateState:
        status = GateStatus.model_validate(raw)
        return cls(
            revision=status.revision,
            started_at=status.startedAt,
            next_probe_at=status.nextProbeAt,
            successes=status.successes,
            failures=status.failures,
            probes=status.probes,
            result=GateResult(status.result),
            reason=status.reason,
        )


def start(revision: str, now: float, policy: HealthGate) -> GateState:
    return GateState(revision=revision, started_at=now, next_probe_at=now + policy.initialDelaySeconds)


def deadline(state: GateState, policy: HealthGate) -> float:
    return state.started_at + policy.progressDeadlineSeconds


def is_due(state: GateState, now: float) -> bool:
    return not state.done and now >= state.next_probe_at


def check_deadline(state: GateState, now: float, policy: HealthGate) -> GateState:
    if state.done or now < deadline(state, policy):
        return state
    return dataclasses.replace(
        state,
        result=GateResult.FAILED,
        reason=f"progress deadline of {policy.progressDeadlineSeconds:g}s exceeded "
        f"({state.successes} consecutive healthy probes of {policy.successThreshold} needed)",
    )


def record(state: GateState, probe: ProbeResult, now: float, policy: HealthGate) -> GateState:
    """Fold one probe result into the state; the deadline is checked after it."""
    if state.done:
        return state
    nxt = now + policy.periodSeconds
    if probe is ProbeResult.PENDING:
        soon = now + min(policy.periodSeconds, PENDING_RECHECK_SECONDS)
        return check_deadline(dataclasses.replace(state, next_probe_at=soon), now, policy)
    probes = state.probes + 1
    if probe is ProbeResult.HEALTHY:
        successes = state.successes + 1
        if successes >= policy.successThreshold:
            return dataclasses.replace(
                state,
                successes=successes,
                failures=0,
                probes=probes,
                next_probe_at=nxt,
                result=GateResult.PASSED,
                reason=f"{successes} consecutive healthy probes",
            )
        new = dataclasses.replace(state, successes=successes, failures=0, probes=probes, next_probe_at=nxt)
        return check_deadline(new, now, policy)
    failures = state.failures + 1
    if failures >= policy.failureThreshold:
        return dataclasses.replace(
            state,
            successes=0,
            failures=failures,
            probes=probes,
            next_probe_at=nxt,
            result=GateResult.FAILED,
            reason=f"{failures} consecutive unhealthy probes",
        )
    new = dataclasses.replace(state, successes=0, failures=failures, probes=probes, next_probe_at=nxt)
    return check_deadline(new, now, policy)


def seconds_until_next(state: GateState, now: float, policy: HealthGate) -> float:
    """How long the caller may sleep before the gate needs attention again."""
    if state.done:
        return policy.periodSeconds
    return max(0.0, min(state.next_probe_at, deadline(state, policy)) - now)
