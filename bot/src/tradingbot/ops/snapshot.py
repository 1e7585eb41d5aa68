"""The ``/status`` document: a typed, read-only snapshot of the running bot for people and tools.

Served as JSON by the ops server (``GET /status``), polled by the status page at ``/`` and printed by
``tradingbot status``. Money, sizes and prices are decimal strings (pydantic's JSON form of ``Decimal``),
times are ISO-8601 UTC. Nothing secret is in it: the secrets appear only as their source
(``file``/``env``/``absent``), as on ``/healthz``. ``schema`` changes when a field changes meaning.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

SCHEMA = "tradingbot.status/v1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class LimitUse(_Frozen):
    """One row of the risk matrix: the current figure against its configured limit."""

    name: str  # the figure, e.g. "drawdown"
    figure: Decimal | None  # None until the first account refresh
    limit: Decimal
    unit: str  # "ratio" | "JPY" | "base" | "x"
    used: Decimal | None  # figure / limit (1 = at the limit; above 1 = exceeded)
    breach_status: str  # what exceeding it does: "degraded" | "abort"
    reason_code: str


class RiskView(_Frozen):
    status: str
    reasons: tuple[str, ...] = ()
    halted: bool = False
    limits: tuple[LimitUse, ...] = ()


class PositionView(_Frozen):
    symbol: str
    long: Decimal = Decimal(0)
    short: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    long_average_price: Decimal | None = None
    short_average_price: Decimal | None = None
    mark_price: Decimal | None = None
    unrealised_pnl_jpy: Decimal | None = None
    # "exchange": the exchange's own figure (GMO values a long at the bid, a short at the ask);
    # "mid": computed here from our fills' average prices at the mid price (differs by half the spread).
    unrealised_basis: Literal["exchange", "mid"] | None = None


class AccountView(_Frozen):
    equity_jpy: Decimal | None = None
    start_equity_jpy: Decimal | None = None  # the first equity this run saw
    run_pnl_jpy: Decimal | None = None  # equity - start equity (realised + unrealised - fees)
    realised_pnl_jpy: Decimal = Decimal(0)  # of this store's fills, before fees
    fees_jpy: Decimal = Decimal(0)
    fills: int = 0
    closing_trades: int = 0
    win_rate: Decimal | None = None


class OrderView(_Frozen):
    id: int
    exchange_order_id: int | None
    created_at: AwareDatetime
    side: str
    action: str
    execution_type: str
    size: Decimal
    executed: Decimal
    price: Decimal | None
    state: str
    reason: str


class FillView(_Frozen):
    execution_id: int
    order_id: int
    at: AwareDatetime
    side: str
    settle_type: str
    size: Decimal
    price: Decimal
    loss_gain: Decimal
    fee: Decimal


class DecisionView(_Frozen):
    """A strategy decision that reached the order manager, and what became of it."""

    at: AwareDatetime
    side: str
    action: str
    size: Decimal
    reason: str
    outcome: str  # the order's state: confirmed, rejected, not_placed, closed, ...
    detail: str = ""


class SeriesPoint(_Frozen):
    at: AwareDatetime
    equity_jpy: Decimal
    pnl_jpy: Decimal  # equity - the run's first equity (realised + unrealised - fees)
    realised_jpy: Decimal | None = None  # realised P&L net of fees since the run's first point


class StreamsView(_Frozen):
    public: str
    private: str


class StatusSnapshot(_Frozen):
    schema_: str = SCHEMA
    generated_at: AwareDatetime
    run_id: str | None
    version: str | None
    mode: Literal["paper", "live"]
    symbol: str
    started_at: AwareDatetime | None
    health: Literal["ok", "unhealthy"]
    monitor_status: str
    paused: bool | None = None  # None: this build has no pause control
    last_loop_at: AwareDatetime | None
    streams: StreamsView
    reconciliation_ok: bool
    reconciliation_problems: tuple[str, ...] = ()
    risk: RiskView
    position: PositionView
    account: AccountView
    open_orders: tuple[OrderView, ...] = ()
    recent_fills: tuple[FillView, ...] = ()
    decisions: tuple[DecisionView, ...] = ()
    series: tuple[SeriesPoint, ...] = ()
    store_error: str | None = None  # why orders/fills are missing, when the store could not be read

    def to_json(self) -> dict[str, Any]:
        body = self.model_dump(mode="json")
        body["schema"] = body.pop("schema_")
        return body
