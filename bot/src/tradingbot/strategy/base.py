"""The strategy interface: pure decisions from market prices and the current exposure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class Action(StrEnum):
    """``open`` adds a position, ``close`` reduces existing ones (GMO settle)."""

    OPEN = "open"
    CLOSE = "close"

    @property
    def reduces(self) -> bool:
        return self is Action.CLOSE


@dataclass(frozen=True, slots=True)
class MarketView:
    """What a strategy sees on each price update."""

    symbol: str
    price: Decimal
    at: datetime
    long: Decimal = Decimal(0)
    short: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return self.long - self.short


@dataclass(frozen=True, slots=True)
class Decision:
    """A wanted order: ``action`` OPEN adds a position, CLOSE reduces existing ones (GMO settle)."""

    symbol: str
    side: Side
    size: Decimal
    action: Action
    reason: str


class Strategy(Protocol):
    name: str

    def on_price(self, view: MarketView) -> list[Decision]:
        """Decisions for this price update (often none). Must be pure apart from its own price history."""
        ...
