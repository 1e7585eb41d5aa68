"""The engine: the trader, the account, the order manager, the store, reconciliation and reporting,
wired to an exchange port and a market-data port. It is the ports' only consumer and knows no venue;
the composition root (:mod:`tradingbot.app`) builds it and owns its life cycle.

Data flow of one tick (docs/architecture.md, "Engine"): the market-data port delivers a validated
:class:`~tradingbot.marketdata.Ticker`; the trader stores the mid price and wakes; it feeds the strategy,
passes each decision through the risk gate (:func:`tradingbot.risk.permits`) and hands the rest to the
order manager, which writes the intent to SQLite and sends it through the exchange port. The account is
read by a separate task (and on every private event) and evaluated by the risk matrix; transitions are
audited, notified and, on abort, lead to cancel + flatten + a persistent halt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta

from tradingbot.config import Settings
from tradingbot.engine.account import Account
from tradingbot.engine.halt import HaltStore
from tradingbot.engine.orders import OrderManager
from tradingbot.engine.reconciler import Reconciler
from tradingbot.engine.reporting import Journal, Reporter
from tradingbot.engine.state import EngineState, EngineTiming, Wakeups
from tradingbot.engine.status_line import status_line_loop
from tradingbot.engine.store import StateStore
from tradingbot.engine.trader import Trader
from tradingbot.exchange.ports import ExchangePort, FeedState, MarketDataPort, OrderRules
from tradingbot.marketdata import MarketEvent
from tradingbot.ops.metrics import BotMetrics
from tradingbot.strategy import Strategy

log = logging.getLogger(__name__)


class Engine:
    """Builds the parts around the ports and runs their tasks; also the market-data port's sink."""

    def __init__(
        self,
        settings: Settings,
        timing: EngineTiming,
        *,
        exchange: ExchangePort,
        market: MarketDataPort,
        rules: Mapping[str, OrderRules],
        store: StateStore,
        strategy: Strategy,
        halts: HaltStore,
        state: EngineState,
        wakeups: Wakeups,
        metrics: BotMetrics,
        journal: Journal,
        reporter: Reporter,
    ) -> None:
        self.settings = settings
        self.timing = timing
        self.exchange = exchange
        self.market = market
        self.store = store
        self.state = state
        self.wakeups = wakeups
        self.metrics = metrics
        self.reporter = reporter
        self.orders = OrderManager(
            store,
            exchange,
            dict(rules),
            on_event=journal.audit,
            settle_after=timedelta(seconds=timing.settle_after),
        )
        self.account = Account(
            settings, state, wakeups, exchange, store, self.orders, halts, metrics, journal, reporter
        )
        self.trader = Trader(
            state, wakeups, strategy, self.orders, metrics, journal, reporter,
            exchange=exchange, guard=settings.price_guard,
        )  # fmt: skip
        self.reconciler = Reconciler(
            settings, timing, state, wakeups, exchange, store, self.orders, self.account, journal, reporter
        )
        self._tasks: list[asyncio.Task[None]] = []

    # --- FeedSink (called by the market-data port, on the loop thread) ------------------------------

    def on_market(self, event: MarketEvent) -> None:
        self.trader.on_market(event)

    def on_account_event(self) -> None:
        # Fills and position changes: refresh the account figures now rather than at the next poll.
        self.wakeups.account.set()

    def on_feed_state(self, feed: str, state: FeedState) -> None:
        self.reporter.feed_state(feed, state)

    def on_malformed(self, feed: str, reason: str = "other") -> None:
        self.metrics.malformed_frame(feed, reason)

    # --- life cycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Reconcile, read the account once, then start the streams and the background tasks."""
        await self.reconciler.reconcile()
        try:
            # Know the risk figures (and the equity peak / day start) before the first tick can trade.
            await self.account.refresh()
        except Exception:
            self.reporter.loop_failure()
            log.exception("first account refresh failed; the account loop retries")
        lines = status_line_loop(self.state, self.reporter, self.settings.status_line_every)
        for coro in (self.market.run(self), self.trader.run(), self._account_loop(),
                     self.reconciler.resolver_loop(), self.reporter.progress_loop(), lines):  # fmt: skip
            self._tasks.append(asyncio.create_task(coro))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.settings.cancel_on_stop:
            await self.account.cancel_open_orders("stop")

    async def _account_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timing.account_every):
                    await self.wakeups.account.wait()
            # Several private events arrive per fill: coalesce them, and keep the GET budget for orders.
            await asyncio.sleep(self.timing.account_min_gap)
            self.wakeups.account.clear()
            try:
                await self.account.refresh()
            except Exception:
                self.reporter.loop_failure()
                log.exception("account refresh failed")
