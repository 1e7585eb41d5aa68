"""A bounded equity / P&L time series over the whole run, for the status page's chart.

Fed by one call per account refresh (:meth:`EquitySeries.mark`). Memory stays bounded however long the
bot runs: when the buffer is full every other point is dropped and the spacing between kept points
doubles, so the chart always spans the whole run at a resolution that coarsens with its length (the first
and the latest point are always kept).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from tradingbot.ops.snapshot import SeriesPoint


class EquitySeries:
    def __init__(self, *, capacity: int = 1800, spacing: timedelta = timedelta(seconds=1)) -> None:
        if capacity < 4:
            raise ValueError(f"equity series capacity {capacity} is too small; accepted: 4 or more")
        if spacing <= timedelta(0):
            raise ValueError(f"equity series spacing {spacing} must be positive")
        self.capacity = capacity
        self.spacing = spacing
        self._points: list[SeriesPoint] = []
        self.start_equity: Decimal | None = None
        self.start_realised: Decimal | None = None

    def mark(self, at: datetime, equity: Decimal, realised: Decimal | None = None) -> None:
        """Record the equity (and the store's total realised P&L net of fees) at ``at``."""
        if at.tzinfo is None:
            raise ValueError(f"equity series times must be timezone-aware, got {at.isoformat()}")
        if self.start_equity is None:
            self.start_equity = equity
        if realised is not None and self.start_realised is None:
            self.start_realised = realised
        run_realised = None
        if realised is not None and self.start_realised is not None:
            run_realised = realised - self.start_realised
        point = SeriesPoint(
            at=at, equity_jpy=equity, pnl_jpy=equity - self.start_equity, realised_jpy=run_realised
        )
        points = self._points
        # Kept points are at least `spacing` apart; the newest point is provisional: it moves with each
        # mark until it is `spacing` past the one before it, so the chart always ends at the latest figure.
        if len(points) >= 2 and points[-1].at - points[-2].at < self.spacing:
            points[-1] = point
            return
        points.append(point)
        if len(points) >= self.capacity:
            self._points = points[::2] if points[-1] is points[::2][-1] else [*points[::2], points[-1]]
            self.spacing *= 2

    def points(self) -> tuple[SeriesPoint, ...]:
        return tuple(self._points)

    def __len__(self) -> int:
        return len(self._points)
