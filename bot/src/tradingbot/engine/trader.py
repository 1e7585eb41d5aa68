"""The trader: a market event wakes it; it asks the strategy, passes each decision through the risk gate
and hands what passes to the order manager.

Every ticker passes the price guard (:mod:`tradingbot.risk.price_guard`) first: only accepted prices
reach the strategy, and the guard's verdict is part of the risk gate (no opening while a jump is
unconfirmed or the data is stale). A jump asks the exchange port for a REST ticker to confirm it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from tradingbot.engine import narrate
from tradingbot.engine.orders import OrderIntent, OrderManager, Outcome
from tradingbot.engine.reporting import Journal, Reporter
from tradingbot.engine.state import EngineState, Wakeups, utc_now
from tradingbot.exchange.ports import ExchangePort
from tradingbot.marketdata import MarketEvent, Ticker
from tradingbot.ops.metrics import BotMetrics
from tradingbot.risk import PriceGuard, PriceGuardSettings, RiskStatus, permits
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
        *,
        exchange: ExchangePort | None = None,
        guard: PriceGuardSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.symbol = state.symbol
        self.state = state
        self.wakeups = wakeups
        self.strategy = strategy
        self.orders = orders
        self.metrics = metrics
        self.journal = journal
        self.reporter = reporter
        self.exchange = exchange
        self.clock = clock  # the guard's clock (monotonic seconds); tests pass a fake one
        self.guard = PriceGuard(guard or PriceGuardSettings(), started_at=clock())
        state.guard = self.guard
        # The guard's clock-driven changes (stale, divergent) are looked at this often.
        self.watch_every = min(1.0, self.guard.settings.stale_after / 4)
        # Strong references: the event loop keeps only weak ones to running tasks.
        self._rest_checks: set[asyncio.Task[None]] = set()

    def on_market(self, event: MarketEvent) -> None:
        """A validated market event: a ticker of our symbol passes the price guard; an accepted price
        becomes the mid price the strategy sees and wakes the loop."""
        if not (isinstance(event, Ticker) and event.symbol == self.symbol):
            return
        now = self.clock()
        verdict = self.guard.observe(event.mid, now)
        if verdict.trip is not None:
            self.reporter.price_guard_trip(verdict.trip, now)
        if verdict.confirmed:
            self.reporter.price_guard_confirmed("updates", event.mid, notify=verdict.after_trip)
        self.reporter.price_guard_changed(now)
        if verdict.accepted:
            self.state.price = event.mid
            self.wakeups.tick.set()
        elif self.exchange is not None and self.guard.want_rest_check():
            task = asyncio.get_running_loop().create_task(self._confirm_over_rest())
            self._rest_checks.add(task)
            task.add_done_callback(self._rest_checks.discard)

    async def _confirm_over_rest(self) -> None:
        """Ask the exchange for its ticker: if it agrees with the candidate, the jump is real. Trading
        resumes with the next stream update near it (the strategy only ever sees stream prices)."""
        assert self.exchange is not None
        try:
            ticker = await self.exchange.ticker(self.symbol)
        except Exception as exc:
            log.warning("price guard: REST ticker read failed (%s)", type(exc).__name__)
            return
        now = self.clock()
        verdict = self.guard.confirm_with_rest(ticker.mid, now)
        if verdict.confirmed:
            self.reporter.price_guard_confirmed("rest", ticker.mid, notify=verdict.after_trip)
            self.reporter.price_guard_changed(now)

    def watch(self) -> None:
        """The guard's clock: a silence becomes a stale trip; a long spell becomes divergent."""
        now = self.clock()
        reason = self.guard.poll(now)
        if reason is not None:
            self.reporter.price_guard_trip(reason, now)
        self.reporter.price_guard_changed(now)

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            for task in list(self._rest_checks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _run(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.watch_every):
                    await self.wakeups.tick.wait()
            except TimeoutError:
                # No accepted price for a while: not a loop iteration, only the guard's clock.
                self.watch()
                continue
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
            # Looked at per decision: an earlier send may have taken long enough for a trip or a silence.
            guard = self.guard.status(self.clock())
            if not permits(
                s.risk.status,
                reduces=decision.action.reduces,
                price_trusted=guard.opening_allowed,
                paused=s.paused,
            ):
                what = "reducing" if decision.action.reduces else "opening"
                why = f"risk {s.risk.status.value}"
                if s.risk.status is RiskStatus.OK:
                    if s.paused:
                        why = "paused by the operator"
                    elif not guard.opening_allowed:
                        why = f"price guard {guard.state.value}"
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
