"""Reconciliation: a pure diff of what the bot believes against what the exchange reports.

The local side is the order ledger (intents with their exchange order ids) and the position ledger built
from processed executions of our own orders. The exchange side is activeOrders, openPositions and margin.
Any mismatch means the bot does not know its exposure: it does not trade until an operator decides, or
adopts the exchange's state when ``TRADINGBOT_ADOPT_EXCHANGE_STATE=true``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradingbot.exchange.ports import ExExecution, ExMargin, ExOrder, ExPosition


@dataclass(frozen=True, slots=True)
class Exposure:
    """Open position sizes of one symbol: GMO keeps long and short positions separately."""

    long: Decimal = Decimal(0)
    short: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return self.long - self.short

    @property
    def gross(self) -> Decimal:
        return self.long + self.short

    def apply(self, side: str, settle_type: str, size: Decimal) -> Exposure:
        """The exposure after one fill of ``size`` (BUY/OPEN grows long, SELL/CLOSE shrinks it, ...)."""
        if settle_type == "OPEN":
            if side == "BUY":
                return Exposure(self.long + size, self.short)
            return Exposure(self.long, self.short + size)
        if side == "SELL":
            return Exposure(self.long - size, self.short)
        return Exposure(self.long, self.short - size)

    def to_json(self) -> dict[str, str]:
        return {"long": str(self.long), "short": str(self.short)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Exposure:
        if not raw:
            return cls()
        return cls(Decimal(str(raw.get("long", "0"))), Decimal(str(raw.get("short", "0"))))


def exposure_of(positions: Iterable[ExPosition]) -> Exposure:
    positions = list(positions)
    long = sum((p.size for p in positions if p.side == "BUY"), Decimal(0))
    short = sum((p.size for p in positions if p.side == "SELL"), Decimal(0))
    return Exposure(long, short)


def apply_executions(start: Exposure, executions: Iterable[ExExecution]) -> Exposure:
    result = start
    for e in executions:
        result = result.apply(e.side, e.settle_type, e.size)
    return result


@dataclass(frozen=True, slots=True)
class LocalView:
    known_order_ids: frozenset[int]
    open_intents: int
    exposure: Mapping[str, Exposure]


@dataclass(frozen=True, slots=True)
class ExchangeView:
    open_orders: tuple[ExOrder, ...]
    positions: tuple[ExPosition, ...]
    margin: ExMargin


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    symbol: str
    local: str
    exchange: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "symbol": self.symbol, "local": self.local, "exchange": self.exchange}


def diff(local: LocalView, exchange: ExchangeView, symbols: Iterable[str]) -> list[Mismatch]:
    """Every disagreement between the two views; empty when the bot may trade."""
    found: list[Mismatch] = []
    if local.open_intents:
        found.append(
            Mismatch("unresolved_intent", "*", f"{local.open_intents} intents of unknown outcome", "-")
        )
    for order in exchange.open_orders:
        if order.order_id not in local.known_order_ids:
            found.append(
                Mismatch(
                    "unknown_open_order",
                    order.symbol,
                    "not in the order ledger",
                    f"order {order.order_id} {order.side} {order.size} {order.status}",
                )
            )
    total_gross = Decimal(0)
    for symbol in symbols:
        mine = local.exposure.get(symbol, Exposure())
        theirs = exposure_of(p for p in exchange.positions if p.symbol == symbol)
        total_gross += theirs.gross
        if (mine.long, mine.short) != (theirs.long, theirs.short):
            found.append(
                Mismatch(
                    "position_mismatch",
                    symbol,
                    f"long {mine.long} short {mine.short}",
                    f"long {theirs.long} short {theirs.short}",
                )
            )
    if total_gross == 0 and exchange.margin.margin > 0:
        found.append(
            Mismatch(
                "margin_without_position", "*", "no positions", f"margin in use {exchange.margin.margin}"
            )
        )
    return found
