"""Seeded price process: the same seed gives the same path, step by step."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from tradingbot.sim.config import SymbolSpec


def to_tick(price: Decimal, tick: Decimal) -> Decimal:
    """Round a price to the symbol's tick grid, never below one tick."""
    ticks = (price / tick).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(ticks, Decimal(1)) * tick


def symbol_rng(seed: int, symbol: str, purpose: str) -> random.Random:
    # String seeds are hashed with SHA-512 by `random`, so the stream does not depend on PYTHONHASHSEED.
    return random.Random(f"{seed}:{symbol}:{purpose}")


class PriceProcess:
    """A geometric random walk per symbol on its tick grid, advanced only by `step()`."""

    def __init__(self, seed: int, specs: Mapping[str, SymbolSpec], symbols: Iterable[str], volatility: float):
        if volatility < 0:
            raise ValueError(f"volatility={volatility} must be >= 0")
        self._specs = {s: specs[s] for s in symbols}
        self._rngs = {s: symbol_rng(seed, s, "price") for s in self._specs}
        self._volatility = volatility
        self.mids: dict[str, Decimal] = {
            s: to_tick(spec.initial_price, spec.tick_size) for s, spec in self._specs.items()
        }
        self.step_count = 0

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def step(self) -> dict[str, Decimal]:
        self.step_count += 1
        for symbol, spec in self._specs.items():
            move = math.exp(self._rngs[symbol].gauss(0.0, self._volatility))
            self.mids[symbol] = to_tick(self.mids[symbol] * Decimal(repr(move)), spec.tick_size)
        return dict(self.mids)

    def force(self, symbol: str, price: Decimal) -> None:
        if symbol not in self._specs:
            raise ValueError(f"unknown symbol {symbol!r}; known: {sorted(self._specs)}")
        if price <= 0:
            raise ValueError(f"price={price} must be > 0")
        self.mids[symbol] = to_tick(price, self._specs[symbol].tick_size)
