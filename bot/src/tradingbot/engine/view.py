"""Read-only views of the engine's shared state, as the composition root exposes them to the ops surface,
the tests and the benchmarks (``app.streams``, ``app.halted``, ...)."""

from __future__ import annotations

from tradingbot.engine.reconcile import Exposure
from tradingbot.engine.state import EngineState
from tradingbot.exchange.ports import FeedState
from tradingbot.ops.health import ReconciliationSummary
from tradingbot.risk import RiskDecision


class EngineStateView:
    state: EngineState

    @property
    def streams(self) -> dict[str, FeedState | None]:
        return self.state.streams

    @property
    def risk(self) -> RiskDecision:
        return self.state.risk

    @property
    def halted(self) -> bool:
        return self.state.halted

    @property
    def reconciliation(self) -> ReconciliationSummary:
        return self.state.reconciliation

    @property
    def exposure(self) -> Exposure:
        return self.state.exposure

    @property
    def loop_count(self) -> int:
        return self.state.loop_count

    @property
    def loop_failures(self) -> int:
        return self.state.loop_failures

    def trading_allowed(self) -> bool:
        return self.state.trading_allowed()
