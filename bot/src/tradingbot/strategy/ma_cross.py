"""Moving-average crossover with an inventory limit.

On each price the strategy updates a fast and a slow simple moving average. When the fast average crosses
above the slow one it targets a long position of ``order_size``; when it crosses below, a short one of the
same size. The target is clipped to ``±max_inventory``. Reaching a target from the opposite side first
closes the opposite positions (GMO keeps long and short positions apart), then opens the new side.
No decision is made until the slow window is full (that first full window only sets the reference
side), and none without a cross, so a restart never trades on a half-filled window.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from tradingbot.strategy.base import Action, Decision, MarketView, Side


@dataclass(frozen=True, slots=True)
class MaCrossParams:
    fast_window: int
    slow_window: int
    order_size: Decimal
    max_inventory: Decimal

    def __post_init__(self) -> None:
        if not 1 <= self.fast_window < self.slow_window:
            raise ValueError(
                f"need 1 <= fast_window < slow_window, got fast={self.fast_window} slow={self.slow_window}"
            )
        if self.order_size <= 0:
            raise ValueError(f"order_size must be > 0, got {self.order_size}")
        if self.max_inventory < 0:
            raise ValueError(f"max_inventory must be >= 0, got {self.max_inventory}")


@dataclass
class MaCrossStrategy:
    params: MaCrossParams
    name: str = "ma_cross"
    _prices: deque[Decimal] = field(init=False)
    _last_sign: int = field(default=0, init=False)
    _primed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._prices = deque(maxlen=self.params.slow_window)

    def on_price(self, view: MarketView) -> list[Decision]:
        self._prices.append(view.price)
        if len(self._prices) < self.params.slow_window:
            return []
        prices = list(self._prices)
        slow = sum(prices, Decimal(0)) / len(prices)
        fast_part = prices[-self.params.fast_window :]
        fast = sum(fast_part, Decimal(0)) / len(fast_part)
        sign = (fast > slow) - (fast < slow)
        if not self._primed:
            # The first full window only sets the reference: a restart never trades on old history.
            self._primed = True
            self._last_sign = sign
            return []
        if sign == 0 or sign == self._last_sign:
            return []
        self._last_sign = sign
        target = self.params.order_size if sign > 0 else -self.params.order_size
        target = max(-self.params.max_inventory, min(self.params.max_inventory, target))
        # Said for a person reading the order lines: which average crossed which, at what values.
        direction = "above" if sign > 0 else "below"
        reason = f"fast MA {_price(fast)} crossed {direction} slow MA {_price(slow)}"
        return rebalance(view, target, reason=reason)


def _price(value: Decimal) -> str:
    # Whole yen for BTC-like prices; cheap symbols (XRP_JPY ~ 80 JPY) keep three decimals.
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3f}"


def rebalance(view: MarketView, target: Decimal, *, reason: str) -> list[Decision]:
    """Decisions that move the exposure of ``view`` to the signed net ``target``."""
    if target >= 0:
        return _toward(view.symbol, view.long, view.short, target, (Side.BUY, Side.SELL), reason)
    return _toward(view.symbol, view.short, view.long, -target, (Side.SELL, Side.BUY), reason)


def _toward(
    symbol: str, held: Decimal, opposite: Decimal, want: Decimal, sides: tuple[Side, Side], reason: str
) -> list[Decision]:
    """Close all of ``opposite``, then bring ``held`` to ``want``; ``sides`` = (adds to held, reduces held).

    The long and short cases are mirror images, so one body serves both (GMO keeps the two sides apart).
    """
    grow, shrink = sides
    decisions: list[Decision] = []
    if opposite > 0:
        decisions.append(Decision(symbol, grow, opposite, Action.CLOSE, reason))
    if held > want:
        decisions.append(Decision(symbol, shrink, held - want, Action.CLOSE, reason))
    elif want > held:
        decisions.append(Decision(symbol, grow, want - held, Action.OPEN, reason))
    return decisions
