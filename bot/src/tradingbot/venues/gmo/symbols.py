"""Per-symbol order rules (GET /public/v1/symbols): rounding and validation before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from tradingbot.venues.gmo.errors import InvalidOrder

if TYPE_CHECKING:
    from tradingbot.venues.gmo.models import Side, SymbolInfo

__all__ = ["InvalidOrder", "SymbolRules"]


def _to_multiple(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    units = (value / step).to_integral_value(rounding=rounding)
    return (units * step).quantize(step)


@dataclass(frozen=True)
class SymbolRules:
    symbol: str
    min_order_size: Decimal
    max_order_size: Decimal
    size_step: Decimal
    tick_size: Decimal

    def __post_init__(self) -> None:
        if self.size_step <= 0 or self.tick_size <= 0:
            raise ValueError(
                f"{self.symbol}: size_step and tick_size must be > 0, "
                f"got {self.size_step} and {self.tick_size}"
            )
        if not 0 < self.min_order_size <= self.max_order_size:
            raise ValueError(
                f"{self.symbol}: need 0 < min_order_size <= max_order_size, "
                f"got {self.min_order_size} and {self.max_order_size}"
            )

    @classmethod
    def from_info(cls, info: SymbolInfo) -> SymbolRules:
        return cls(
            symbol=info.symbol,
            min_order_size=info.min_order_size,
            max_order_size=info.max_order_size,
            size_step=info.size_step,
            tick_size=info.tick_size,
        )

    def round_size(self, size: Decimal) -> Decimal:
        """Down to the size step: never more than asked for."""
        return _to_multiple(size, self.size_step, ROUND_FLOOR)

    def round_price(self, price: Decimal, side: Side | str) -> Decimal:
        """To the tick without crossing: a BUY rounds down, a SELL rounds up (never a worse price)."""
        side_name = str(side)
        if side_name == "BUY":
            return _to_multiple(price, self.tick_size, ROUND_FLOOR)
        if side_name == "SELL":
            return _to_multiple(price, self.tick_size, ROUND_CEILING)
        raise InvalidOrder(f"side must be BUY or SELL, got {side_name!r}")

    def check_size(self, size: Decimal) -> None:
        if size < self.min_order_size:
            raise InvalidOrder(f"{self.symbol}: size {size} is below minOrderSize {self.min_order_size}")
        if size > self.max_order_size:
            raise InvalidOrder(f"{self.symbol}: size {size} is above maxOrderSize {self.max_order_size}")
        if size % self.size_step != 0:
            raise InvalidOrder(f"{self.symbol}: size {size} is not a multiple of sizeStep {self.size_step}")

    def check_price(self, price: Decimal) -> None:
        if price <= 0:
            raise InvalidOrder(f"{self.symbol}: price {price} must be > 0")
        if price % self.tick_size != 0:
            raise InvalidOrder(f"{self.symbol}: price {price} is not a multiple of tickSize {self.tick_size}")

    def normalise(
        self, size: Decimal, price: Decimal | None, side: Side | str
    ) -> tuple[Decimal, Decimal | None]:
        """Round an order's size (down) and price (not crossing) and check them; raises InvalidOrder."""
        rounded_size = self.round_size(size)
        self.check_size(rounded_size)
        if price is None:
            return rounded_size, None
        rounded_price = self.round_price(price, side)
        self.check_price(rounded_price)
        return rounded_size, rounded_price
