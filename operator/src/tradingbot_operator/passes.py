"""The state one reconcile pass works on, and what every pass needs (the runtime)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from tradingbot_operator import conditions as cond
from tradingbot_operator import rollout
from tradingbot_operator.analysis import PrometheusAnalysis
from tradingbot_operator.gate import Clock, GateState
from tradingbot_operator.health import HealthProber
from tradingbot_operator.kube import KubeApi
from tradingbot_operator.metrics import Metrics
from tradingbot_operator.render import BotRef
from tradingbot_operator.rollout import RolloutView
from tradingbot_operator.settings import OperatorSettings


@dataclasses.dataclass
class Runtime:
    api: KubeApi
    prober: HealthProber
    metrics: Metrics
    settings: OperatorSettings
    clock: Clock = time.time
    analysis: PrometheusAnalysis | None = None  # None: no Prometheus configured


@dataclasses.dataclass(frozen=True)
class PendingEvent:
    type: str
    reason: str
    message: str
    name: str


@dataclasses.dataclass
class Pass:
    """The mutable working set of one pass.

    `written` is the status as the API server holds it (as read, then as last committed); `events` are
    posted by the next commit, before the status that records their transition."""

    bot: BotRef
    body: dict[str, Any]
    status: dict[str, Any]
    written: dict[str, Any]
    generation: int
    now: float
    events: list[PendingEvent] = dataclasses.field(default_factory=list)
    # One-shot control annotations (key, value) this pass acted on or dismissed: removed after the commit.
    handled: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def stamp(self) -> rollout.Stamp:
        return rollout.Stamp(self.now, self.generation)

    def condition(self, type_: str, status: cond.ConditionStatus, reason: str, message: str = "") -> None:
        rollout.set_condition(self.status, self.stamp, type_, status, reason, message)

    def event(self, type_: str, reason: str, message: str, key: str) -> None:
        """Queue an Event for the transition identified by `key` (see rollout.transition_key)."""
        uid = str(self.body["metadata"].get("uid") or "")
        self.events.append(
            PendingEvent(type_, reason, message, rollout.event_name(self.bot.name, uid, reason, key))
        )


def view(status: dict[str, Any]) -> RolloutView:
    raw_gate = status.get("gate")
    return RolloutView(
        current=str(status.get("currentRevision") or ""),
        stable=str(status.get("stableRevision") or ""),
        failed=tuple(status.get("failedRevisions") or ()),
        gate=GateState.from_status(raw_gate) if raw_gate else None,
    )
