"""The ports: what the engine needs from an exchange, in neutral terms.

Two ports. :class:`ExchangePort` places and cancels orders and reads the account (orders, executions,
positions, margin, balance). :class:`MarketDataPort` runs the venue's streams and hands a
:class:`FeedSink` neutral, already-validated :mod:`tradingbot.marketdata` events, the streams' states and
"something changed on the account" pokes. A venue adapter implements both (``tradingbot.venues.gmo.port``
and ``tradingbot.venues.gmo.feeds``); unit tests use in-memory fakes. Only these small frozen records
cross the seam: the engine imports no venue and no venue imports the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from tradingbot.marketdata import MarketEvent, Ticker


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

    async def ticker(self, symbol: str) -> Ticker:
        """The current ticker read over REST, validated like a stream ticker (the price guard asks it to
        confirm a jump); raises on an unusable answer."""
        ...


class FeedState(StrEnum):
    """A stream's connection state, as the engine sees it."""

    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STALE = "stale"


class FeedSink(Protocol):
    """What a market-data port calls (synchronously, on the event loop's thread)."""

    def on_market(self, event: MarketEvent) -> None:
        """A validated market event."""
        ...

    def on_account_event(self) -> None:
        """A private event (fill, order or position change): the account should be read again soon."""
        ...

    def on_feed_state(self, feed: str, state: FeedState) -> None:
        """``feed`` ("public" or "private") changed state."""
        ...

    def on_malformed(self, feed: str, reason: str = "other") -> None:
        """A frame of ``feed`` was unusable and dropped; ``reason`` from the venue's fixed set."""
        ...


class MarketDataPort(Protocol):
    async def run(self, sink: FeedSink) -> None:
        """Run the venue's public and private streams until cancelled, reconnecting as needed."""
        ...


@dataclass(frozen=True, slots=True)
class Malformed:
    """A recorded frame that could not be decoded or validated."""

    detail: str


RecordedFrame = MarketEvent | Malformed | None
"""One recorded frame in neutral terms; ``None`` is a valid frame that carries no market event."""
