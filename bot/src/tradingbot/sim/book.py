"""Synthetic market per symbol: a 20-level order book around the mid, public trades, 24h-style stats."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from tradingbot.sim.config import SymbolSpec

# Half-spread as a fraction of the mid (GMO's leverage books are a few basis points wide).
HALF_SPREAD = Decimal("0.0001")


@dataclass
class Level:
    price: Decimal
    size: Decimal


@dataclass(frozen=True)
class Trade:
    price: Decimal
    side: str
    size: Decimal
    timestamp: datetime


def _level_size(rng: random.Random, spec: SymbolSpec) -> Decimal:
    steps = rng.randint(20, 400)
    return spec.min_order_size + spec.size_step * steps


def synthetic_levels(
    mid: Decimal, spec: SymbolSpec, rng: random.Random, levels: int
) -> tuple[list[Level], list[Level]]:
    """Asks ascending and bids descending, `levels` each, on the tick grid around `mid`."""
    tick = spec.tick_size
    half = max(tick, (mid * HALF_SPREAD / tick).quantize(Decimal(1), rounding=ROUND_DOWN) * tick)
    asks: list[Level] = []
    bids: list[Level] = []
    for i in range(levels):
        gap = half + tick * i * max(1, int(half / tick) // 2)
        asks.append(Level(mid + gap, _level_size(rng, spec)))
        bid_price = mid - gap
        if bid_price > 0:
            bids.append(Level(bid_price, _level_size(rng, spec)))
    return asks, bids


class Market:
    """Everything public about one symbol; the book is regenerated on each price step."""

    def __init__(self, spec: SymbolSpec, mid: Decimal, rng: random.Random, levels: int, history_cap: int):
        self.spec = spec
        self.symbol = spec.symbol
        self._rng = rng
        self._levels = levels
        self.mid = mid
        self.asks, self.bids = synthetic_levels(mid, spec, rng, levels)
        self.last = mid
        self.high = mid
        self.low = mid
        self.volume = Decimal(0)
        self.trades: deque[Trade] = deque(maxlen=history_cap)
        self.step_trades: list[Trade] = []

    @property
    def best_ask(self) -> Decimal:
        return self.asks[0].price if self.asks else self.mid + self.spec.tick_size

    @property
    def best_bid(self) -> Decimal:
        return self.bids[0].price if self.bids else max(self.mid - self.spec.tick_size, self.spec.tick_size)

    def reprice(self, mid: Decimal, now: datetime) -> None:
        """Move to a new mid: fresh book and zero to two synthetic trades."""
        self.mid = mid
        self.asks, self.bids = synthetic_levels(mid, self.spec, self._rng, self._levels)
        self.step_trades = []
        for _ in range(self._rng.randint(0, 2)):
            side = "BUY" if self._rng.random() < 0.5 else "SELL"
            price = self.best_ask if side == "BUY" else self.best_bid
            size = self.spec.min_order_size + self.spec.size_step * self._rng.randint(0, 20)
            self.record_trade(Trade(price, side, size, now))

    def set_book(self, asks: list[tuple[Decimal, Decimal]], bids: list[tuple[Decimal, Decimal]]) -> None:
        """Take an external book (the live-prices seam) instead of a synthetic one; the mid follows it."""
        self.asks = [Level(p, s) for p, s in sorted(asks) if s > 0][: self._levels]
        self.bids = [Level(p, s) for p, s in sorted(bids, reverse=True) if s > 0][: self._levels]
        if self.asks and self.bids:
            self.mid = (self.asks[0].price + self.bids[0].price) / 2
        elif self.asks or self.bids:
            self.mid = (self.asks or self.bids)[0].price

    def record_trade(self, trade: Trade) -> None:
        self.trades.append(trade)
        self.step_trades.append(trade)
        self.last = trade.price
        self.high = max(self.high, trade.price)
        self.low = min(self.low, trade.price)
        self.volume += trade.size

    def take(self, side: str, size: Decimal, limit: Decimal | None, *, dry_run: bool = False) -> list[Level]:
        """Fills for a taker order of `side` up to `size`, walking the opposite side within `limit`.

        Liquidity taken is removed from the book until the next step, so two orders in one step
        cannot both take the same level.
        """
        levels = self.asks if side == "BUY" else self.bids
        fills: list[Level] = []
        remaining = size
        for level in levels:
            if remaining <= 0:
                break
            if limit is not None and (level.price > limit if side == "BUY" else level.price < limit):
                break
            qty = min(remaining, level.size)
            if qty > 0:
                fills.append(Level(level.price, qty))
                remaining -= qty
        if not dry_run:
            for fill in fills:
                for level in levels:
                    if level.price == fill.price:
                        level.size -= fill.size
                        break
            levels[:] = [lv for lv in levels if lv.size > 0]
        return fills
