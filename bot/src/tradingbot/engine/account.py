"""The account: balances, positions and fills read through the exchange port, the risk figures and the
matrix's decision, and the abort path (cancel, flatten, persistent halt)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from decimal import Decimal

from tradingbot.config import Settings
from tradingbot.engine import narrate
from tradingbot.engine.figures import AccountSnapshot, RiskMemory, compute
from tradingbot.engine.halt import HaltStore
from tradingbot.engine.orders import OrderIntent, OrderManager
from tradingbot.engine.reconcile import Exposure, exposure_of
from tradingbot.engine.reporting import Journal, Reporter
from tradingbot.engine.state import EngineState, Wakeups, utc_now
from tradingbot.engine.store import StateStore, StoredExecution
from tradingbot.exchange.ports import ExchangePort
from tradingbot.ops.metrics import BotMetrics
from tradingbot.risk import RiskDecision, RiskFigures, evaluate, must_flatten
from tradingbot.strategy import Action, Side

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Account:
    def __init__(
        self,
        settings: Settings,
        state: EngineState,
        wakeups: Wakeups,
        exchange: ExchangePort,
        store: StateStore,
        orders: OrderManager,
        halts: HaltStore,
        metrics: BotMetrics,
        journal: Journal,
        reporter: Reporter,
    ) -> None:
        self.settings = settings
        self.symbol = state.symbol
        self.state = state
        self.wakeups = wakeups
        self.exchange = exchange
        self.store = store
        self.orders = orders
        self.halts = halts
        self.metrics = metrics
        self.journal = journal
        self.reporter = reporter
        self.memory = RiskMemory.from_json(store.get_fact("risk_memory"))

    async def ingest_executions(self) -> int:
        """Store our new fills (exposure fact, last trade loss); returns how many were new."""
        known = self.store.known_order_ids()
        added = 0
        exposure = Exposure.from_json(self.store.get_fact(f"exposure:{self.symbol}"))
        trade_loss = self.memory.last_trade_loss
        for e in sorted(await self.exchange.latest_executions(self.symbol), key=lambda x: x.execution_id):
            if e.order_id not in known:
                continue
            stored = StoredExecution(
                e.execution_id, e.order_id, e.symbol, e.side, e.settle_type, e.size, e.price,
                e.loss_gain, e.fee, e.timestamp,
            )  # fmt: skip
            if self.store.add_execution(stored):
                added += 1
                exposure = exposure.apply(e.side, e.settle_type, e.size)
                self.metrics.record_fill()
                self.journal.audit(
                    "fill",
                    {
                        "order_id": e.order_id,
                        "execution_id": e.execution_id,
                        "side": e.side,
                        "settle_type": e.settle_type,
                        "size": str(e.size),
                        "price": str(e.price),
                        "loss_gain": str(e.loss_gain),
                        "fee": str(e.fee),
                    },
                )
                narrate.LOGGER.info(
                    narrate.filled(
                        self.store.intent_for_order(e.order_id), order_id=e.order_id, side=e.side,
                        fill_size=e.size, price=e.price, fee=e.fee, loss_gain=e.loss_gain,
                        settle_type=e.settle_type,
                    )
                )  # fmt: skip
                if e.settle_type == "CLOSE":
                    trade_loss = max(Decimal(0), -(e.loss_gain - e.fee))
        if added:
            # An order whose fills add up to its size is done: ``closed`` now, not only when polled.
            self.orders.close_filled()
            self.store.put_fact(f"exposure:{self.symbol}", exposure.to_json())
            m = self.memory
            self.memory = RiskMemory(m.peak, m.daily, m.wallet_baseline, m.realised_at_baseline, trade_loss)
        return added

    async def refresh(self) -> None:
        """Read the account, compute the figures, evaluate the matrix and act on the decision."""
        asked_at = time.monotonic()
        await self.ingest_executions()
        margin = await self.exchange.margin()
        positions = tuple(await self.exchange.open_positions(self.symbol))
        balance = await self.exchange.jpy_balance()
        if asked_at >= self.state.last_order_mono:
            self.state.exposure = exposure_of(positions)
        snapshot = AccountSnapshot(margin, positions, balance, self.state.price, utc_now())
        realised_total = self.store.realised_since(_EPOCH)
        figures, self.memory = compute(snapshot, self.memory, self.settings.daily_reset_zone, realised_total)
        self.state.figures = figures
        self.store.put_fact("risk_memory", self.memory.to_json())
        self.metrics.set_position(self.state.exposure.net)
        self.state.equity = margin.actual_profit_loss
        self.state.unrealised = sum((p.loss_gain for p in positions), Decimal(0))
        held = sum((p.size for p in positions), Decimal(0))
        cost = sum((p.price * p.size for p in positions), Decimal(0))
        self.state.average_price = cost / held if held else None
        self.state.realised_total = realised_total
        daily = self.memory.daily
        self.state.day_pnl = None if daily is None else margin.actual_profit_loss - daily.start_equity
        self.reporter.equity_marked()
        self.metrics.set_equity(margin.actual_profit_loss)
        self.metrics.set_drawdown(figures.current_drawdown)
        self.metrics.set_daily_loss(figures.current_daily_loss)
        await self.apply_risk(evaluate(figures, self.settings.risk), figures)

    async def apply_risk(self, decision: RiskDecision, figures: RiskFigures | None = None) -> None:
        if decision == self.state.risk:
            return
        previous, self.state.risk = self.state.risk, decision
        self.metrics.set_risk(decision.status, decision.reasons)
        fields: dict[str, object] = {
            "from": previous.status.value,
            "to": decision.status.value,
            "reasons": list(decision.reasons),
        }
        if figures is not None:
            fields["figures"] = [f"{k}={getattr(figures, k)}" for k in figures.__slots__]
        self.journal.audit("risk_transition", fields)
        self.journal.notify(
            f"risk {previous.status.value} -> {decision.status.value} {list(decision.reasons)}"
        )
        if must_flatten(decision.status) and not self.state.halted:
            await self.abort(decision.reasons)
        self.reporter.status_changed()

    async def abort(self, reasons: tuple[str, ...]) -> None:
        """Cancel open orders, flatten when configured, persist the halt."""
        self.state.halted = True
        self.halts.halt(reasons, run_id=self.journal.run.run_id, now=utc_now())
        self.metrics.set_halted(True)
        self.journal.audit("halt", {"reasons": list(reasons)})
        self.journal.notify(
            f"HALTED: {list(reasons)}; clear with `python -m tradingbot clear-halt` after review"
        )
        self.reporter.status_changed()
        await self.cancel_open_orders("abort")
        if self.settings.flatten_on_abort:
            await self.flatten()

    async def cancel_open_orders(self, why: str) -> None:
        try:
            cancelled = await self.exchange.cancel_all(self.symbol)
            self.journal.audit("orders_cancelled", {"why": why, "order_ids": cancelled})
        except Exception as exc:
            self.reporter.loop_failure()
            self.journal.audit("orders_cancel_failed", {"why": why, "error": f"{type(exc).__name__}: {exc}"})
            log.exception("cancelling open orders failed")

    async def flatten(self, reason: str = "flatten on abort") -> list[str]:
        """Close every position of the symbol (closing orders); returns each order's outcome."""
        current = exposure_of(await self.exchange.open_positions(self.symbol))
        outcomes: list[str] = []
        for side, size in ((Side.SELL, current.long), (Side.BUY, current.short)):
            if size > 0:
                result = await self.orders.submit(
                    OrderIntent(self.symbol, side, size, action=Action.CLOSE, reason=reason)
                )
                outcomes.append(f"{side.value} {size}: {result.outcome.value}")
                self.journal.audit(
                    "flatten", {"side": side.value, "size": str(size), "outcome": result.outcome.value}
                )
        self.wakeups.account.set()
        return outcomes
