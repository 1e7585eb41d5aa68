"""The daily-loss window: it restarts at midnight of the configured timezone (default Asia/Tokyo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo


def trading_day(now: datetime, tz: ZoneInfo) -> date:
    """The calendar day ``now`` falls on in ``tz``; ``now`` must be timezone-aware."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"trading_day needs an aware datetime, got naive {now.isoformat()}")
    return now.astimezone(tz).date()


@dataclass(frozen=True, slots=True)
class DailyLossWindow:
    """Equity at the start of the trading day; the daily loss is measured against it."""

    day: date
    start_equity: Decimal

    @classmethod
    def start(cls, now: datetime, tz: ZoneInfo, current_equity: Decimal) -> DailyLossWindow:
        return cls(trading_day(now, tz), current_equity)

    def roll(self, now: datetime, tz: ZoneInfo, current_equity: Decimal) -> DailyLossWindow:
        """The same window while the day has not changed; a fresh one from ``current_equity`` after."""
        today = trading_day(now, tz)
        if today == self.day:
            return self
        return DailyLossWindow(today, current_equity)

    def loss(self, current_equity: Decimal) -> Decimal:
        return daily_loss(self.start_equity, current_equity)


def daily_loss(start_equity: Decimal, current_equity: Decimal) -> Decimal:
    """Loss since the day's start as a positive number; a gain is 0 loss."""
    lost = start_equity - current_equity
    return lost if lost > 0 else Decimal(0)
