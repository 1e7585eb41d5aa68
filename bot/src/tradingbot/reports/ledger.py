"""Trade statistics from fills: realised P&L, fees, win rate, maximum drawdown, and the open position.

Pure: fills in, figures out. A *trade* is a closing fill (GMO reports the realised ``loss_gain`` of the
position it closed on that execution); its net result is ``loss_gain - fee``. Opening fills cost only
their fee. The drawdown is taken on the cumulative net realised P&L in JPY (peak minus trough after the
peak), because that is what the store knows; the live equity drawdown including unrealised P&L is the risk
matrix's figure and is shown on the status page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Fill:
    execution_id: int
    order_id: int
    at: datetime
    symbol: str
    side: str  # BUY | SELL
    settle_type: str  # OPEN | CLOSE
    size: Decimal
    price: Decimal
    loss_gain: Decimal
    fee: Decimal

    @property
    def is_close(self) -> bool:
        return self.settle_type == "CLOSE"

    @property
    def net(self) -> Decimal:
        """What this fill added to the account: realised P&L (closing fills only) minus its fee."""
        return self.loss_gain - self.fee


@dataclass(frozen=True, slots=True)
class TradeStats:
    fills: int
    trades: int  # closing fills
    wins: int
    losses: int
    realised_pnl: Decimal  # sum of loss_gain
    fees: Decimal
    net_pnl: Decimal  # realised_pnl - fees
    max_drawdown: Decimal  # JPY, on the cumulative net P&L, >= 0
    volume: Decimal  # base units traded

    @property
    def win_rate(self) -> Decimal | None:
        """Winning closing fills / closing fills; None when nothing was closed yet."""
        if self.trades == 0:
            return None
        return Decimal(self.wins) / Decimal(self.trades)

    def to_json(self) -> dict[str, str | int | None]:
        rate = self.win_rate
        return {
            "fills": self.fills,
            "trades": self.trades,
            "wins": self.wins,
            "losses": self.losses,
            "win_rate": None if rate is None else str(rate.quantize(Decimal("0.0001"))),
            "realised_pnl_jpy": str(self.realised_pnl),
            "fees_jpy": str(self.fees),
            "net_pnl_jpy": str(self.net_pnl),
            "max_drawdown_jpy": str(self.max_drawdown),
            "volume": str(self.volume),
        }


def max_drawdown(values: Iterable[Decimal], start: Decimal = ZERO) -> Decimal:
    """Largest fall from a running peak to a later value (0 when the series never falls)."""
    peak, worst = start, ZERO
    for value in values:
        peak = max(peak, value)
        worst = max(worst, peak - value)
    return worst


def stats(fills: Sequence[Fill]) -> TradeStats:
    ordered = sorted(fills, key=lambda f: (f.at, f.execution_id))
    closes = [f for f in ordered if f.is_close]
    cumulative, running = [], ZERO
    for fill in ordered:
        running += fill.net
        cumulative.append(running)
    realised = sum((f.loss_gain for f in ordered), ZERO)
    fees = sum((f.fee for f in ordered), ZERO)
    return TradeStats(
        fills=len(ordered),
        trades=len(closes),
        wins=sum(1 for f in closes if f.net > 0),
        losses=sum(1 for f in closes if f.net < 0),
        realised_pnl=realised,
        fees=fees,
        net_pnl=realised - fees,
        max_drawdown=max_drawdown(cumulative),
        volume=sum((f.size for f in ordered), ZERO),
    )


@dataclass(frozen=True, slots=True)
class SideBook:
    size: Decimal = ZERO
    cost: Decimal = ZERO  # size * average entry price

    @property
    def average_price(self) -> Decimal | None:
        return None if self.size == 0 else self.cost / self.size


@dataclass(frozen=True, slots=True)
class PositionBook:
    """GMO keeps long and short positions apart; each side at its average entry price."""

    long: SideBook = SideBook()
    short: SideBook = SideBook()

    @property
    def net(self) -> Decimal:
        return self.long.size - self.short.size

    def apply(self, fill: Fill) -> PositionBook:
        if fill.settle_type == "OPEN":
            if fill.side == "BUY":
                return PositionBook(_grow(self.long, fill), self.short)
            return PositionBook(self.long, _grow(self.short, fill))
        # A closing SELL closes longs, a closing BUY closes shorts, at the side's average price.
        if fill.side == "SELL":
            return PositionBook(_shrink(self.long, fill.size), self.short)
        return PositionBook(self.long, _shrink(self.short, fill.size))

    def unrealised(self, mark: Decimal) -> Decimal:
        return (mark * self.long.size - self.long.cost) + (self.short.cost - mark * self.short.size)

    @classmethod
    def of(cls, fills: Iterable[Fill]) -> PositionBook:
        book = cls()
        for fill in sorted(fills, key=lambda f: (f.at, f.execution_id)):
            book = book.apply(fill)
        return book


def _grow(side: SideBook, fill: Fill) -> SideBook:
    return SideBook(side.size + fill.size, side.cost + fill.size * fill.price)


def _shrink(side: SideBook, size: Decimal) -> SideBook:
    if side.size <= 0:
        return SideBook()  # a close without a known open (adopted state): nothing to average against
    remaining = max(ZERO, side.size - size)
    average = side.cost / side.size
    return SideBook(remaining, average * remaining)
