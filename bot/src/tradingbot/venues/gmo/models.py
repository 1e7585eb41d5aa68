"""Wire models (pydantic v2) of every GMO payload the client reads or writes.

Money, sizes and prices are Decimal (GMO sends them as JSON strings), ids are int, timestamps are aware UTC
datetimes. Unknown extra fields are ignored: GMO adds fields over time and that must not break the bot.
The public market-data hot path does not use these (see `market`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]
ItemT = TypeVar("ItemT")


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class ExecutionType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP = "STOP"


class SettleType(StrEnum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"


class TimeInForce(StrEnum):
    FAK = "FAK"
    FAS = "FAS"
    FOK = "FOK"
    SOK = "SOK"


class OrderStatus(StrEnum):
    WAITING = "WAITING"
    ORDERED = "ORDERED"
    MODIFYING = "MODIFYING"
    CANCELLING = "CANCELLING"
    CANCELED = "CANCELED"
    EXECUTED = "EXECUTED"
    EXPIRED = "EXPIRED"


class ExchangeStatus(StrEnum):
    OPEN = "OPEN"
    PREOPEN = "PREOPEN"
    MAINTENANCE = "MAINTENANCE"


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        use_enum_values=False,
        # Decimal would accept "NaN"/"Infinity"; no GMO amount is either, and NaN poisons every comparison.
        allow_inf_nan=False,
    )


# --- public REST ----------------------------------------------------------------------------------


class StatusInfo(WireModel):
    status: ExchangeStatus


class Ticker(WireModel):
    ask: Decimal
    bid: Decimal
    high: Decimal
    last: Decimal
    low: Decimal
    symbol: str
    timestamp: UtcDatetime
    volume: Decimal


class BookLevel(WireModel):
    price: Decimal
    size: Decimal


class OrderBook(WireModel):
    asks: list[BookLevel]
    bids: list[BookLevel]
    symbol: str


class Pagination(WireModel):
    current_page: int
    count: int


class Trade(WireModel):
    price: Decimal
    side: Side
    size: Decimal
    timestamp: UtcDatetime


class Page(WireModel, Generic[ItemT]):
    """`{"pagination"?, "list": [...]}`; GMO's `{}` (no list) for nothing parses as an empty list."""

    pagination: Pagination | None = None
    items: list[ItemT] = Field(default_factory=list, alias="list")


class TradesPage(Page[Trade]):
    pass


class SymbolInfo(WireModel):
    symbol: str
    min_order_size: Decimal
    max_order_size: Decimal
    size_step: Decimal
    tick_size: Decimal
    taker_fee: Decimal
    maker_fee: Decimal


# --- private REST ---------------------------------------------------------------------------------


class Margin(WireModel):
    actual_profit_loss: Decimal
    available_amount: Decimal
    margin: Decimal
    margin_call_status: str
    margin_ratio: Decimal
    profit_loss: Decimal
    transferable_amount: Decimal | None = None


class Asset(WireModel):
    symbol: str
    amount: Decimal
    available: Decimal
    conversion_rate: Decimal


class Order(WireModel):
    root_order_id: int
    order_id: int
    symbol: str
    side: Side
    order_type: str
    execution_type: ExecutionType
    settle_type: SettleType
    size: Decimal
    executed_size: Decimal
    price: Decimal
    losscut_price: Decimal
    status: OrderStatus
    cancel_type: str | None = None
    time_in_force: TimeInForce | None = None
    timestamp: UtcDatetime


class Execution(WireModel):
    execution_id: int
    order_id: int
    position_id: int | None = None
    symbol: str
    side: Side
    settle_type: SettleType
    size: Decimal
    price: Decimal
    loss_gain: Decimal
    fee: Decimal
    timestamp: UtcDatetime


class Position(WireModel):
    position_id: int
    symbol: str
    side: Side
    size: Decimal
    ordered_size: Decimal = Field(alias="orderdSize")  # sic, GMO's spelling
    price: Decimal
    loss_gain: Decimal
    leverage: Decimal
    losscut_price: Decimal
    timestamp: UtcDatetime


class PositionSummary(WireModel):
    average_position_rate: Decimal
    position_loss_gain: Decimal
    side: Side
    sum_order_quantity: Decimal
    sum_position_quantity: Decimal
    symbol: str


class OrderList(Page[Order]):
    pass


class ExecutionList(Page[Execution]):
    pass


class PositionList(Page[Position]):
    pass


class PositionSummaryList(WireModel):
    items: list[PositionSummary] = Field(default_factory=list, alias="list")


# --- requests -------------------------------------------------------------------------------------


def _wire_decimal(value: Decimal) -> str:
    # GMO wants plain notation ("0.01", "750760"), never "1E+1".
    return format(value, "f")


class OrderRequest(WireModel):
    """A new (opening) order, before the symbol rules round it."""

    symbol: str
    side: Side
    execution_type: ExecutionType
    size: Decimal = Field(gt=0)
    price: Decimal | None = Field(default=None, gt=0)
    time_in_force: TimeInForce | None = None

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "symbol": self.symbol,
            "side": self.side.value,
            "executionType": self.execution_type.value,
        }
        if self.time_in_force is not None:
            body["timeInForce"] = self.time_in_force.value
        if self.price is not None:
            body["price"] = _wire_decimal(self.price)
        body["size"] = _wire_decimal(self.size)
        return body


class SettlePosition(WireModel):
    position_id: int
    size: Decimal = Field(gt=0)

    def to_wire(self) -> dict[str, Any]:
        return {"positionId": self.position_id, "size": _wire_decimal(self.size)}


# --- private WebSocket events ---------------------------------------------------------------------


class ExecutionEvent(WireModel):
    channel: Literal["executionEvents"]
    order_id: int
    execution_id: int
    symbol: str
    settle_type: SettleType
    execution_type: ExecutionType
    side: Side
    execution_price: Decimal
    execution_size: Decimal
    position_id: int | None = None
    order_timestamp: UtcDatetime
    execution_timestamp: UtcDatetime
    loss_gain: Decimal
    fee: Decimal
    order_price: Decimal
    order_size: Decimal
    order_executed_size: Decimal
    time_in_force: TimeInForce | None = None
    msg_type: str


class OrderEvent(WireModel):
    channel: Literal["orderEvents"]
    order_id: int
    symbol: str
    settle_type: SettleType
    execution_type: ExecutionType
    side: Side
    order_status: OrderStatus
    cancel_type: str | None = None
    order_timestamp: UtcDatetime
    order_price: Decimal
    order_size: Decimal
    order_executed_size: Decimal
    losscut_price: Decimal
    time_in_force: TimeInForce | None = None
    msg_type: str


class PositionEvent(WireModel):
    channel: Literal["positionEvents"]
    position_id: int
    symbol: str
    side: Side
    size: Decimal
    ordered_size: Decimal = Field(alias="orderdSize")
    price: Decimal
    loss_gain: Decimal
    leverage: Decimal
    losscut_price: Decimal
    timestamp: UtcDatetime
    msg_type: str


class PositionSummaryEvent(WireModel):
    channel: Literal["positionSummaryEvents"]
    symbol: str
    side: Side
    average_position_rate: Decimal
    position_loss_gain: Decimal
    sum_order_quantity: Decimal
    sum_position_quantity: Decimal
    timestamp: UtcDatetime
    msg_type: str


PrivateEvent = ExecutionEvent | OrderEvent | PositionEvent | PositionSummaryEvent

PRIVATE_EVENT_MODELS: dict[str, type[ExecutionEvent | OrderEvent | PositionEvent | PositionSummaryEvent]] = {
    "executionEvents": ExecutionEvent,
    "orderEvents": OrderEvent,
    "positionEvents": PositionEvent,
    "positionSummaryEvents": PositionSummaryEvent,
}
