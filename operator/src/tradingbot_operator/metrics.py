"""The operator's own Prometheus metrics (a private registry, served on its own port).

Alert rules on these: monitoring/alerts/operator.yml (docs/monitoring.md). Labels take values from fixed
sets (actions, results, phases, rollout events) or name a TradingBot (namespace, name): bounded by the
number of bots, never an id, URL or secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)

from tradingbot_operator.gate import GateResult, ProbeResult
from tradingbot_operator.rollout import Action, Phase
from tradingbot_operator.spec import HealthGate

# `_created` series double every counter on /metrics and nothing reads them (process-wide switch).
disable_created_metrics()  # type: ignore[no-untyped-call]

ROLLOUT_EVENTS = ("started", "succeeded", "rolled_back", "failed")
_DEFAULT_DEADLINE = float(HealthGate.model_fields["progressDeadlineSeconds"].default)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.reconciles = Counter(
            "tradingbot_operator_reconciles_total", "Reconcile decisions by action.", ["action"], registry=r
        )
        self.reconcile_seconds = Histogram(
            "tradingbot_operator_reconcile_duration_seconds",
            "Duration of one reconcile pass (errors included).",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=r,
        )
        self.errors = Counter(
            "tradingbot_operator_reconcile_errors_total", "Reconcile passes that raised.", registry=r
        )
        self.rollouts = Counter(
            "tradingbot_operator_rollouts_total",
            "Rollouts by event: started, succeeded (gate passed), rolled_back, failed (no stable revision).",
            ["event"],
            registry=r,
        )
        self.rollbacks = Counter(
            "tradingbot_operator_rollbacks_total", "Automatic rollbacks.", ["namespace", "name"], registry=r
        )
        self.gate_results = Counter(
            "tradingbot_operator_gate_results_total",
            "Finished health gates by result.",
            ["result"],
            registry=r,
        )
        self.probes = Counter(
            "tradingbot_operator_health_probes_total",
            "Health probes of bots by result.",
            ["result"],
            registry=r,
        )
        self.bots = Gauge("tradingbot_operator_bots", "TradingBots by status.phase.", ["phase"], registry=r)
        self.deadline = Gauge(
            "tradingbot_operator_rollout_deadline_timestamp_seconds",
            "Unix time by which a Progressing bot's health gate must conclude; 0 when not Progressing.",
            ["namespace", "name"],
            registry=r,
        )
        self._phases: dict[tuple[str, str], str] = {}
        # Every fixed-set series exists from the start: an alert on a series that appears with its first
        # increment never sees that increment (increase() needs two samples).
        for action in Action:
            self.reconciles.labels(action=action.value)
        for event in ROLLOUT_EVENTS:
            self.rollouts.labels(event=event)
        for result in GateResult:
            if result is not GateResult.PENDING:
                self.gate_results.labels(result=result.value)
        for probe in ProbeResult:
            self.probes.labels(result=probe.value)
        for phase in Phase:
            self.bots.labels(phase=phase.value).set(0)

    # --- per-bot state, from the status the pass read or wrote --------------------------------------

    def observe_bot(
        self, namespace: str, name: str, status: Mapping[str, Any], spec: Mapping[str, Any]
    ) -> None:
        """Record a bot's phase and, while it is Progressing, its gate's deadline."""
        key = (namespace, name)
        if key not in self._phases:
            self.rollbacks.labels(namespace=namespace, name=name)  # 0 before the first rollback
        self._phases[key] = str(status.get("phase") or Phase.PENDING.value)
        self._count_phases()
        self.deadline.labels(namespace=namespace, name=name).set(_deadline(status, spec))

    def forget_bot(self, namespace: str, name: str) -> None:
        if self._phases.pop((namespace, name), None) is not None:
            self._count_phases()
            self.deadline.remove(namespace, name)
            self.rollbacks.remove(namespace, name)

    def _count_phases(self) -> None:
        counts = dict.fromkeys((p.value for p in Phase), 0)
        for phase in self._phases.values():
            counts[phase] = counts.get(phase, 0) + 1
        for phase, n in counts.items():
            self.bots.labels(phase=phase).set(n)

    def rollout(self, event: str) -> None:
        self.rollouts.labels(event=event).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> None:
        if port:
            start_http_server(port, addr=host, registry=self.registry)


def _deadline(status: Mapping[str, Any], spec: Mapping[str, Any]) -> float:
    # Read from the raw objects (this runs before the spec is validated): anything malformed means "no
    # deadline known", never an exception in the pass.
    gate = status.get("gate")
    policy = spec.get("healthGate")
    if not isinstance(gate, Mapping) or status.get("phase") != Phase.PROGRESSING.value:
        return 0.0
    if gate.get("result", GateResult.PENDING.value) != GateResult.PENDING.value:
        return 0.0
    try:
        started = float(gate["startedAt"])
        limit = float(
            policy.get("progressDeadlineSeconds", _DEFAULT_DEADLINE)
            if isinstance(policy, Mapping)
            else _DEFAULT_DEADLINE
        )
    except (KeyError, TypeError, ValueError):
        return 0.0
    return started + limit
