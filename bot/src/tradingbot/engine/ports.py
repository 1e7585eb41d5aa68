"""What the engine needs from an exchange, in the engine's own terms.

The engine never imports the GMO client directly: :mod:`tradingbot.engine.gmo_port` adapts
:class:`tradingbot.venues.gmo.rest.GmoRestClient` to :class:`ExchangePort`, and unit tests use an
in-memory fake exchange. Only these small frozen records cross the seam.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class ExchangeRejectedError(Exception):
    """The exchange answered and definitely did not place the order (rate limit, funds, bad params...)."""

    def __init__(self, message: str, *, category: str = "unknown", codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.category = category
        self.codes = codes


class SendOutcomeUnknownError(Exception):
    """A write whose outcome is unknown (timeout, connection reset after sending): never send it again."""


@dataclass(frozen=True, slots=True)
class ExOrder:
    order_id: int
    symbol: str
    side: str
    execution_type: str
    settle_type: str
    size: Decimal
    executed_size: Decimal
    price: Decimal | None
    status: str
    timestamp: datetime

    @property
    def is_open(self) -> bool:
        return self.status in ("WAITING", "ORDERED", "MODIFYING", "CANCELLING")


@dataclass(frozen=True, slots=True)
class ExExecution:
    execution_id: int
    order_id: int
    symbol: str
    side: str
    settle_type: str
    size: Decimal
    price: Decimal
    loss_gain: Decimal
    fee: Decimal
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class ExPosition:
    position_id: int
    symbol: str
    side: str
    size: Decimal
    price: Decimal
    loss_gain: Decimal


@dataclass(frozen=True, slots=True)
class ExMargin:
    """Account figures: ``actual_profit_loss`` is equity (balance + unrealised P&L) in JPY."""

    actual_profit_loss: Decimal
    available_amount: Decimal
    margin: Decimal
    profit_loss: Decimal


class OrderRules(Protocol):
    """The part of :class:`tradingbot.venues.gmo.symbols.SymbolRules` the engine uses."""

    @property
    def min_order_size(self) -> Decimal: ...

    def round_size(self, size: Decimal) -> Decimal: ...

    def round_price(self, price: Decimal, side: str) -> Decimal: ...


class ExchangePort(Protocol):
    async def place_order(
        self, *, symbol: str, side: str, execution_type: str, size: Decimal, price: Decimal | None
    ) -> int:
        """Open a position; raises ExchangeRejectedError or SendOutcomeUnknownError."""
        ...

    async def close_bulk(
        self, *, symbol: str, side: str, execution_type: str, size: Decimal, price: Decimal | None
    ) -> int:
        """Reduce positions (``side`` is the closing order's side); same errors as place_order."""
        ...

    async def cancel_order(self, order_id: int) -> None: ...

    async def cancel_all(self, symbol: str) -> list[int]: ...

    async def active_orders(self, symbol: str) -> list[ExOrder]: ...

    async def orders(self, order_ids: list[int]) -> list[ExOrder]: ...

    async def latest_executions(self, symbol: str) -> list[ExExecution]: ...

    async def open_positions(self, symbol: str) -> list[ExPosition]: ...

    async def margin(self) -> ExMargin: ...

    async def jpy_balance(self) -> Decimal: ...
