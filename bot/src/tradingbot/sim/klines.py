"""GET /public/v1/klines: candles with GMO's interval names and date rules, from the simulator's trades.

GMO's rules (api.coin.z.com/docs/#klines): ``interval`` is one of 1min 5min 10min 15min 30min 1hour
4hour 8hour 12hour 1day 1week 1month. The intraday ones (up to 1hour) take ``date`` as YYYYMMDD, from
20210415 on; the others take YYYY. A GMO "day" starts at 06:00 JST (21:00 UTC the evening before), so a
YYYYMMDD window and the day, week and month buckets start there. Weeks start on Monday.

The simulator has no history before it started: candles are aggregated from the public trades it still
holds (``history_cap`` of them, the same ones ``/v1/trades`` serves), oldest first, and a window
without trades answers an empty list, like GMO for a quiet period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tradingbot.sim.book import Trade
from tradingbot.sim.exchange import ExchangeError
from tradingbot.sim.wire import num

INTRADAY: dict[str, timedelta] = {
    "1min": timedelta(minutes=1),
    "5min": timedelta(minutes=5),
    "10min": timedelta(minutes=10),
    "15min": timedelta(minutes=15),
    "30min": timedelta(minutes=30),
    "1hour": timedelta(hours=1),
}
YEARLY: dict[str, timedelta | None] = {
    "4hour": timedelta(hours=4),
    "8hour": timedelta(hours=8),
    "12hour": timedelta(hours=12),
    "1day": timedelta(days=1),
    "1week": timedelta(weeks=1),
    "1month": None,  # calendar months have no fixed length
}
INTERVALS = (*INTRADAY, *YEARLY)
FIRST_DAY = "20210415"  # the first YYYYMMDD GMO serves
FIRST_YEAR = 2018  # GMO's leverage symbols were listed from 2018 on
# 06:00 JST = 21:00 UTC on the previous calendar day.
DAY_START = timedelta(hours=-3)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _bad(detail: str) -> ExchangeError:
    return ExchangeError("ERR-5106", detail)


def window(interval: str, date: str) -> tuple[datetime, datetime]:
    """The [start, end) UTC window a (interval, date) request covers, or ERR-5106 naming the rule."""
    if interval not in INTERVALS:
        raise _bad(f"interval={interval!r}; accepted: {list(INTERVALS)}")
    if not (isinstance(date, str) and date.isascii() and date.isdigit()):
        raise _bad(f"date={date!r}; accepted: YYYYMMDD for {list(INTRADAY)}, YYYY for {list(YEARLY)}")
    if interval in INTRADAY:
        if len(date) != 8:
            raise _bad(f"date={date!r} for interval={interval}; give YYYYMMDD (from {FIRST_DAY} on)")
        try:
            day = datetime.strptime(date, "%Y%m%d").replace(tzinfo=UTC)
        except ValueError:
            raise _bad(f"date={date!r} is not a calendar date (YYYYMMDD)") from None
        if date < FIRST_DAY:
            raise _bad(f"date={date} is before {FIRST_DAY}, the first day GMO serves intraday klines for")
        start = day + DAY_START
        return start, start + timedelta(days=1)
    if len(date) != 4:
        raise _bad(f"date={date!r} for interval={interval}; give YYYY (from {FIRST_YEAR} on)")
    year = int(date)
    if year < FIRST_YEAR:
        raise _bad(f"date={date} is before {FIRST_YEAR}, the first year GMO serves klines for")
    return (
        datetime(year, 1, 1, tzinfo=UTC) + DAY_START,
        datetime(year + 1, 1, 1, tzinfo=UTC) + DAY_START,
    )


def bucket_start(interval: str, moment: datetime) -> datetime:
    """The open time of the candle of `interval` that contains `moment`."""
    if interval == "1month":
        shifted = moment - DAY_START
        return datetime(shifted.year, shifted.month, 1, tzinfo=UTC) + DAY_START
    if interval in INTRADAY:
        width, origin = INTRADAY[interval], EPOCH
    else:
        width_or_none = YEARLY[interval]
        assert width_or_none is not None
        # 1970-01-05 was a Monday: week buckets start on Mondays at 06:00 JST.
        width, origin = width_or_none, datetime(1970, 1, 5, tzinfo=UTC) + DAY_START
    return origin + ((moment - origin) // width) * width


@dataclass
class Candle:
    open_time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    def view(self) -> dict[str, Any]:
        millis = (self.open_time - EPOCH) // timedelta(milliseconds=1)
        return {
            "openTime": str(millis),
            "open": num(self.open),
            "high": num(self.high),
            "low": num(self.low),
            "close": num(self.close),
            "volume": num(self.volume),
        }


def candles(trades: Iterable[Trade], interval: str, date: str) -> list[dict[str, Any]]:
    """GMO's klines answer: one candle per interval bucket with trades inside the date's window."""
    start, end = window(interval, date)
    out: dict[datetime, Candle] = {}
    for trade in sorted(trades, key=lambda t: t.timestamp):
        if not start <= trade.timestamp < end:
            continue
        key = bucket_start(interval, trade.timestamp)
        candle = out.get(key)
        if candle is None:
            out[key] = Candle(key, trade.price, trade.price, trade.price, trade.price, trade.size)
        else:
            candle.high = max(candle.high, trade.price)
            candle.low = min(candle.low, trade.price)
            candle.close = trade.price
            candle.volume += trade.size
    return [out[k].view() for k in sorted(out)]
