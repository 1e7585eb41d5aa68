"""The trader: a market event wakes it; it asks the strategy, passes each decision through the risk gate
and hands what passes to the order manager."""

from __future__ import annotations

import logging
import time

from tradingbot.engine import narrate
from tradingbot.engine.orders import OrderIntent, OrderManager, Outcome
from tradingbot.engine.reporting import Journal, Reporter
from tradingbot.engine.state import EngineState, Wakeups, utc_now
from tradingbot.marketdata import MarketEvent, Ticker
from tradingbot.ops.metrics import BotMetrics
from tradingbot.risk import RiskStatus, permits
from tradingbot.strategy import Action, Decision, MarketView, Strategy

log = logging.getLogger(__name__)


class Trader:
    def __init__(
        self,
        state: EngineState,
        wakeups: Wakeups,
        strategy: Strategy,
        orders: OrderManager,
        metrics: BotMetrics,
        journal: Journal,
        reporter: Reporter,
    ) -> None:
        self.symbol = state.symbol
        self.state = state
        self.wakeups = wakeups
        self.strategy = strategy
        self.orders = orders
        self.metrics = metrics
        self.journal = journal
        self.reporter = reporter

    def on_market(self, event: MarketEvent) -> None:
        """A validated market event: a ticker of our symbol sets the mid price and wakes the loop."""
        if isinstance(event, Ticker) and event.symbol == self.symbol:
            self.state.price = event.mid
            self.wakeups.tick.set()

    async def run(self) -> None:
        while True:
            await self.wakeups.tick.wait()
            self.wakeups.tick.clear()
            started = time.monotonic()
            try:
                await self.trade_once()
            except Exception:
                self.reporter.loop_failure()
                log.exception("trading loop iteration failed")
            self.state.loop_count += 1
            at = utc_now()
            self.state.last_loop_at = at
            self.metrics.observe_loop(time.monotonic() - started, at_unix=at.timestamp())

    async def trade_once(self) -> None:
        s = self.state
        price = s.price
        if price is None:
            return
        view = MarketView(self.symbol, price, utc_now(), s.exposure.long, s.exposure.short)
        decisions = self.strategy.on_price(view)
        if not decisions:
            return
        if not s.trading_allowed():
            why = "halted" if s.halted else ("reconciliation mismatch" if not s.reconciliation.ok else
                                            f"risk {s.risk.status.value}")  # fmt: skip
            for decision in decisions:
                order = f"{decision.side} {narrate.size(decision.size)} {decision.symbol} {decision.action}"
                narrate.LOGGER.info(narrate.not_placed(order, f"{why}: no orders", decision.reason))
            return
        for decision in decisions:
            if not permits(s.risk.status, reduces=decision.action.reduces, paused=s.paused):
                what = "reducing" if decision.action.reduces else "opening"
                why = "paused by the operator" if s.paused and s.risk.status is RiskStatus.OK else (
                    f"risk {s.risk.status.value}")  # fmt: skip
                self.journal.audit("order_skipped", {"reason": f"{why}: {what} not allowed"})
                order = f"{decision.side} {narrate.size(decision.size)} {decision.symbol} {decision.action}"
                narrate.LOGGER.info(narrate.not_placed(order, f"{why}: {what} not allowed", decision.reason))
                continue
            await self.submit(decision)

    async def submit(self, decision: Decision) -> None:
        intent = OrderIntent(
            symbol=decision.symbol,
            side=decision.side,
            size=decision.size,
            action=decision.action,
            reason=decision.reason,
        )
        result = await self.orders.submit(intent)
        self.state.last_order_mono = time.monotonic()
        if result.outcome in (Outcome.CONFIRMED, Outcome.REJECTED, Outcome.UNRESOLVED):
            self.metrics.record_order(result.outcome.value)
        if result.outcome is Outcome.CONFIRMED:
            # A MARKET order fills at once: assume it until the next account poll says otherwise, so the
            # next decision starts from the new exposure.
            settle = "OPEN" if intent.action is Action.OPEN else "CLOSE"
            self.state.exposure = self.state.exposure.apply(decision.side, settle, decision.size)
        self.wakeups.account.set()
