"""The simulator's records: orders, executions, positions, accounts, and the exchange's refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tradingbot.sim.wire import num, ts

SIDES = ("BUY", "SELL")
TIME_IN_FORCE = ("FAS", "FAK", "FOK", "SOK")
ACTIVE = ("WAITING", "ORDERED", "MODIFYING", "CANCELLING")
YEN = Decimal(1)


class ExchangeError(Exception):
    """A request the exchange refuses; `code` is the GMO message code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class PrivateEvent:
    api_key: str
    channel: str
    payload: dict[str, Any]


@dataclass
class Order:
    order_id: int
    api_key: str
    symbol: str
    side: str
    execution_type: str
    settle_type: str
    size: Decimal
    price: Decimal | None
    time_in_force: str
    timestamp: datetime
    executed_size: Decimal = Decimal(0)
    status: str = "ORDERED"
    cancel_type: str | None = None
    losscut_price: Decimal = Decimal(0)  # set by changeOrder (sim/amend.py); 0 = none, as GMO shows it
    # CLOSE orders: [positionId, size still to settle] in settlement order.
    allocations: list[list[Any]] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.size - self.executed_size

    def view(self) -> dict[str, Any]:
        # GMO's order views carry cancelType only once an order is cancelled (api.coin.z.com/docs/#orders).
        extra = {"cancelType": self.cancel_type} if self.cancel_type is not None else {}
        return {
            "rootOrderId": self.order_id,
            "orderId": self.order_id,
            "symbol": self.symbol,
            "side": self.side,
            "orderType": "NORMAL",
            "executionType": self.execution_type,
            "settleType": self.settle_type,
            "size": num(self.size),
            "executedSize": num(self.executed_size),
            "price": num(self.price) if self.price is not None else "0",
            "losscutPrice": num(self.losscut_price),
            "status": self.status,
            **extra,
            "timeInForce": self.time_in_force,
            "timestamp": ts(self.timestamp),
        }


@dataclass
class Execution:
    execution_id: int
    order: Order
    position_id: int
    price: Decimal
    size: Decimal
    loss_gain: Decimal
    fee: Decimal
    timestamp: datetime

    def view(self) -> dict[str, Any]:
        return {
            "executionId": self.execution_id,
            "orderId": self.order.order_id,
            "positionId": self.position_id,
            "symbol": self.order.symbol,
            "side": self.order.side,
            "settleType": self.order.settle_type,
            "size": num(self.size),
            "price": num(self.price),
            "lossGain": num(self.loss_gain),
            "fee": num(self.fee),
            "timestamp": ts(self.timestamp),
        }


@dataclass
class Position:
    position_id: int
    api_key: str
    symbol: str
    side: str
    size: Decimal
    price: Decimal
    timestamp: datetime
    ordered_size: Decimal = Decimal(0)
    losscut_price: Decimal = Decimal(0)  # set by changeLosscutPrice (sim/amend.py)


@dataclass
class Account:
    api_key: str
    cash: Decimal


def jpy(value: Decimal) -> Decimal:
    """GMO reports yen amounts as whole yen; truncate toward zero."""
    return value.quantize(YEN, rounding=ROUND_DOWN)
