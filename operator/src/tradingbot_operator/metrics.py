"""The operator's own Prometheus metrics (a private registry, served on its own port)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, start_http_server


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.reconciles = Counter(
            "tradingbot_operator_reconciles_total",
            "Reconcile passes by action.",
            ["action"],
            registry=self.registry,
        )
        self.errors = Counter(
            "tradingbot_operator_reconcile_errors_total",
            "Reconcile passes that raised.",
            registry=self.registry,
        )
        self.rollbacks = Counter(
            "tradingbot_operator_rollbacks_total",
            "Automatic rollbacks.",
            ["namespace", "name"],
            registry=self.registry,
        )
        self.gate_results = Counter(
            "tradingbot_operator_gate_results_total",
            "Finished health gates by result.",
            ["result"],
            registry=self.registry,
        )
        self.probes = Counter(
            "tradingbot_operator_health_probes_total",
            "Health probes of bots by result.",
            ["result"],
            registry=self.registry,
        )

    def serve(self, host: str, port: int) -> None:
        if port:
            start_http_server(port, addr=host, registry=self.registry)
