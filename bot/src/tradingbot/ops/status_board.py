"""Builds the ``/status`` snapshot from what the engine feeds and what the store holds.

The engine's side of the contract is small (docs/operations.md, "状態・取引・ステータスページ"):
- :class:`LiveFigures` from a callable, read on each request: the health report, the risk figures of the
  last account refresh, the live position sizes, the mark price, the equity and (once the engine has the
  control) whether it is paused;
- :meth:`StatusBoard.mark_equity` once per account refresh (feeds the chart's series);
- :meth:`StatusBoard.note_skipped` for a decision it did not send (risk status, pause), which the store
  never records;
- the path of its SQLite store, read here read-only for open orders, fills and decisions.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tradingbot.ops.equity_series import EquitySeries
from tradingbot.ops.health import HealthReport, is_healthy
from tradingbot.ops.snapshot import (
    AccountView,
    DecisionView,
    FillView,
    LimitUse,
    OrderView,
    PositionView,
    RiskView,
    StatusSnapshot,
    StreamsView,
)
from tradingbot.reports import ledger, store_reader
from tradingbot.risk import RiskFigures, RiskLimits

log = logging.getLogger(__name__)

RECENT_FILLS = 20
RECENT_DECISIONS = 12
BOOK_FILLS = 1000
"""Newest fills the position's average prices are rebuilt from (checked against the live sizes)."""


@dataclass(frozen=True, slots=True)
class LimitRow:
    name: str
    figure: str  # RiskFigures attribute
    limit: str  # RiskLimits attribute
    unit: str
    breach_status: str
    reason_code: str


LIMIT_ROWS: tuple[LimitRow, ...] = (
    LimitRow("drawdown", "current_drawdown", "max_drawdown", "ratio", "abort", "max_drawdown_exceeded"),
    LimitRow("daily loss", "current_daily_loss", "daily_loss_limit", "JPY", "degraded",
             "daily_loss_limit_exceeded"),
    LimitRow("position size", "current_position_size", "max_position_size", "base", "degraded",
             "max_position_size_exceeded"),
    LimitRow("trade loss", "current_trade_loss", "max_trade_loss", "JPY", "abort", "max_trade_loss_exceeded"),
    LimitRow("leverage", "current_leverage", "max_leverage", "x", "degraded", "max_leverage_exceeded"),
    LimitRow("wallet drift", "current_wallet_drift", "max_wallet_drift", "JPY", "degraded",
             "wallet_drift_exceeded"),
)  # fmt: skip
"""The seed's matrix rows as the page shows them (tests check them against ``risk.evaluate``)."""


@dataclass(frozen=True, slots=True)
class LiveFigures:
    health: HealthReport
    figures: RiskFigures | None
    long: Decimal
    short: Decimal
    mark_price: Decimal | None
    equity: Decimal | None
    paused: bool | None = None
    unrealised_pnl: Decimal | None = None  # the exchange's figure (sum of the positions' lossGain), if known


def limit_uses(figures: RiskFigures | None, limits: RiskLimits) -> tuple[LimitUse, ...]:
    rows = []
    for row in LIMIT_ROWS:
        limit: Decimal = getattr(limits, row.limit)
        value: Decimal | None = None if figures is None else getattr(figures, row.figure)
        rows.append(
            LimitUse(
                name=row.name,
                figure=value,
                limit=limit,
                unit=row.unit,
                used=None if value is None else (value / limit).quantize(Decimal("0.0001")),
                breach_status=row.breach_status,
                reason_code=row.reason_code,
            )
        )
    return tuple(rows)


class StatusBoard:
    def __init__(
        self,
        *,
        symbol: str,
        limits: RiskLimits,
        started_at: datetime,
        live: Callable[[], LiveFigures],
        store_path: Callable[[], Path | None],
        max_loop_age: timedelta | None = None,
        series: EquitySeries | None = None,
    ) -> None:
        self.symbol = symbol
        self.limits = limits
        self.started_at = started_at
        self._live = live
        self._store_path = store_path
        self._max_loop_age = max_loop_age
        self.series = series or EquitySeries()
        # This run's statistics, recomputed only when the run's fills change (the page polls every 2 s).
        self._run_stats: tuple[tuple[int, int], ledger.TradeStats] | None = None
        self._skipped: deque[DecisionView] = deque(maxlen=RECENT_DECISIONS)

    def note_skipped(
        self, *, side: str, action: str, size: Decimal, reason: str, why: str, at: datetime | None = None
    ) -> None:
        """A decision the engine did not send (risk, pause...): the store never sees it, the page should."""
        self._skipped.append(
            DecisionView(
                at=at or datetime.now(UTC),
                side=side,
                action=action,
                size=size,
                reason=reason,
                outcome="skipped",
                detail=why,
            )
        )

    def mark_equity(
        self, equity: Decimal, realised: Decimal | None = None, at: datetime | None = None
    ) -> None:
        """One point of the chart: equity, and the store's total realised P&L net of fees (optional)."""
        self.series.mark(at or datetime.now(UTC), equity, realised)

    def snapshot(self) -> StatusSnapshot:
        now = datetime.now(UTC)
        live = self._live()
        h = live.health
        account, position, orders, fills, decisions, store_error = self._from_store(live)
        return StatusSnapshot(
            generated_at=now, run_id=h.run_id, version=h.version, mode=h.mode, symbol=self.symbol,
            started_at=self.started_at,
            health="ok" if is_healthy(h, now=now, max_loop_age=self._max_loop_age) else "unhealthy",
            monitor_status=h.monitor_status.value, paused=live.paused, last_loop_at=h.last_loop_at,
            streams=StreamsView(public=h.stream.get("public", "reconnecting"),
                                private=h.stream.get("private", "reconnecting")),
            reconciliation_ok=h.reconciliation.ok, reconciliation_problems=h.reconciliation.problems,
            risk=RiskView(status=h.risk.status.value, reasons=h.risk.reasons, halted=h.halted,
                          limits=limit_uses(live.figures, self.limits)),
            position=position, account=account, open_orders=orders, recent_fills=fills,
            decisions=decisions, series=self.series.points(), store_error=store_error,
        )  # fmt: skip

    def _stats_of_run(self, db: sqlite3.Connection) -> ledger.TradeStats:
        version = store_reader.fills_version(db, since=self.started_at, symbol=self.symbol)
        if self._run_stats is None or self._run_stats[0] != version:
            fills = store_reader.fills(db, since=self.started_at, symbol=self.symbol)
            self._run_stats = (version, ledger.stats(fills))
        return self._run_stats[1]

    def _from_store(
        self, live: LiveFigures
    ) -> tuple[
        AccountView, PositionView, tuple[OrderView, ...], tuple[FillView, ...], tuple[DecisionView, ...],
        str | None,
    ]:  # fmt: skip
        start = self.series.start_equity
        account = AccountView(
            equity_jpy=live.equity, start_equity_jpy=start,
            run_pnl_jpy=None if live.equity is None or start is None else live.equity - start,
        )  # fmt: skip
        position = PositionView(
            symbol=self.symbol, long=live.long, short=live.short, net=live.long - live.short,
            mark_price=live.mark_price, unrealised_pnl_jpy=live.unrealised_pnl,
            unrealised_basis=None if live.unrealised_pnl is None else "exchange",
        )  # fmt: skip
        path = self._store_path()
        if path is None:
            return account, position, (), (), (), "the store is not open yet"
        try:
            with store_reader.open_readonly(path) as db:
                book_fills = store_reader.fills(db, symbol=self.symbol, last=BOOK_FILLS)
                run = self._stats_of_run(db)
                open_rows = store_reader.open_intents(db)
                recent = store_reader.recent_intents(db, RECENT_DECISIONS)
        except store_reader.StoreUnavailableError as exc:
            return account, position, (), (), (), str(exc)
        account = account.model_copy(
            update={
                "realised_pnl_jpy": run.realised_pnl,
                "fees_jpy": run.fees,
                "fills": run.fills,
                "closing_trades": run.trades,
                "win_rate": run.win_rate,
            }
        )
        book = ledger.PositionBook.of(book_fills)
        # Average prices come from our own fills; where the live size differs (an order confirmed but its
        # fill not recorded yet, adopted or external positions) they would be wrong: left out, not guessed.
        long_ok, short_ok = book.long.size == live.long, book.short.size == live.short
        update: dict[str, object] = {
            "long_average_price": book.long.average_price if long_ok else None,
            "short_average_price": book.short.average_price if short_ok else None,
        }
        if live.unrealised_pnl is None and long_ok and short_ok and live.mark_price is not None:
            update |= {"unrealised_pnl_jpy": book.unrealised(live.mark_price), "unrealised_basis": "mid"}
        position = position.model_copy(update=update)
        orders = tuple(
            OrderView(
                id=i.id,
                exchange_order_id=i.exchange_order_id,
                created_at=i.created_at,
                side=i.side,
                action=i.action,
                execution_type=i.execution_type,
                size=i.size,
                executed=i.executed,
                price=i.price,
                state=i.state,
                reason=i.reason,
            )
            for i in open_rows
            if i.symbol == self.symbol
        )
        fills = tuple(
            FillView(
                execution_id=f.execution_id,
                order_id=f.order_id,
                at=f.at,
                side=f.side,
                settle_type=f.settle_type,
                size=f.size,
                price=f.price,
                loss_gain=f.loss_gain,
                fee=f.fee,
            )
            for f in reversed(book_fills[-RECENT_FILLS:])
        )
        sent = [
            DecisionView(
                at=i.created_at,
                side=i.side,
                action=i.action,
                size=i.size,
                reason=i.reason,
                outcome=i.state,
                detail=i.detail,
            )
            for i in recent
        ]
        merged = sorted([*sent, *self._skipped], key=lambda d: d.at, reverse=True)
        decisions = tuple(merged[:RECENT_DECISIONS])
        return account, position, orders, fills, decisions, None
