"""Kline windows, buckets and aggregation with GMO's interval names and date rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradingbot.sim.book import Trade
from tradingbot.sim.exchange import ExchangeError
from tradingbot.sim.klines import INTERVALS, INTRADAY, YEARLY, bucket_start, candles, window

JST = timedelta(hours=9)


def ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def test_day_window_starts_at_six_jst() -> None:
    start, end = window("1min", "20260102")
    # 06:00 JST on 2 January is 21:00 UTC on 1 January.
    assert start == datetime(2026, 1, 1, 21, tzinfo=UTC)
    assert (start + JST).hour == 6
    assert end - start == timedelta(days=1)
    year_start, year_end = window("1day", "2026")
    assert year_start == datetime(2025, 12, 31, 21, tzinfo=UTC)
    assert year_end == datetime(2026, 12, 31, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("interval", "date", "fragment"),
    [
        ("1min", "2026", "YYYYMMDD"),
        ("4hour", "20260102", "YYYY"),
        ("1day", "20260102", "YYYY"),
        ("1hour", "20210414", "20210415"),
        ("1month", "2017", "2018"),
        ("1min", "20260230", "calendar"),
        ("2min", "20260102", "accepted"),
        ("1min", "２０２６０１０２", "accepted"),
        ("1min", "2026-01-02", "accepted"),
    ],
)
def test_date_rules_are_err_5106_naming_the_rule(interval: str, date: str, fragment: str) -> None:
    with pytest.raises(ExchangeError) as info:
        window(interval, date)
    assert info.value.code == "ERR-5106"
    assert fragment in info.value.detail


def test_every_interval_has_a_date_form() -> None:
    for interval in INTRADAY:
        window(interval, "20210415")
    for interval in YEARLY:
        window(interval, "2018")
    assert len(INTERVALS) == 12


@given(
    st.sampled_from(INTERVALS),
    st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
)
def test_bucket_contains_its_moment_and_is_stable(interval: str, moment: datetime) -> None:
    start = bucket_start(interval, moment)
    assert start <= moment
    assert bucket_start(interval, start) == start
    width = INTRADAY.get(interval) or YEARLY.get(interval) or timedelta(days=31)
    assert moment - start < width
    if interval in ("1day", "1week", "1month", "4hour", "8hour", "12hour"):
        assert (start + JST).hour % 4 == 6 % 4  # on GMO's 06:00 JST grid
    if interval == "1week":
        assert (start + JST).weekday() == 0


def test_candles_aggregate_open_high_low_close_volume() -> None:
    base = datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    trades = [
        Trade(Decimal(100), "BUY", Decimal("0.01"), base + timedelta(seconds=5)),
        Trade(Decimal(105), "SELL", Decimal("0.02"), base + timedelta(seconds=20)),
        Trade(Decimal(99), "BUY", Decimal("0.03"), base + timedelta(seconds=40)),
        Trade(Decimal(101), "BUY", Decimal("0.04"), base + timedelta(seconds=70)),
        Trade(Decimal(1), "BUY", Decimal(1), base - timedelta(days=2)),  # outside the day
    ]
    got = candles(reversed(trades), "1min", "20260102")
    assert got == [
        {"openTime": ms(base), "open": "100", "high": "105", "low": "99", "close": "99", "volume": "0.06"},
        {
            "openTime": ms(base + timedelta(minutes=1)),
            "open": "101",
            "high": "101",
            "low": "101",
            "close": "101",
            "volume": "0.04",
        },
    ]
    assert candles(trades, "1min", "20250102") == []
    (day,) = candles(trades, "1day", "2026")
    assert day["openTime"] == ms(datetime(2026, 1, 1, 21, tzinfo=UTC))
    assert (day["open"], day["close"], day["volume"]) == ("100", "101", "0.1")
