"""Drawdown from equity (wallet balance plus unrealised P&L) and its running peak."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


def equity(balance: Decimal, unrealised_pnl: Decimal) -> Decimal:
    """Equity the drawdown is measured on: open losses count before they are realised."""
    return balance + unrealised_pnl


def drawdown_ratio(current_equity: Decimal, peak_equity: Decimal) -> Decimal:
    """(peak - equity) / peak, never negative; 0 while there is no positive peak yet."""
    if peak_equity <= 0:
        return Decimal(0)
    ratio = (peak_equity - current_equity) / peak_equity
    return ratio if ratio > 0 else Decimal(0)


@dataclass(frozen=True, slots=True)
class EquityPeak:
    """The running equity peak; persist ``peak`` so a restart does not forget a drawdown."""

    peak: Decimal

    def update(self, current_equity: Decimal) -> EquityPeak:
        return self if current_equity <= self.peak else EquityPeak(current_equity)

    def drawdown(self, current_equity: Decimal) -> Decimal:
        return drawdown_ratio(current_equity, max(self.peak, current_equity))
