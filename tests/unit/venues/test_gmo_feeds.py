"""The GMO market-data adapter: recorded frames become neutral, validated events, or are dropped."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from tradingbot.exchange import Malformed
from tradingbot.marketdata import OrderBook, Ticker, Trade
from tradingbot.venues.gmo.feeds import recorded

TS = "2026-11-27T01:00:00.000Z"


def _ticker(**fields: str) -> str:
    raw = {"channel": "ticker", "symbol": "BTC_JPY", "last": "101", "bid": "100", "ask": "102",
           "volume": "5", "timestamp": TS} | fields  # fmt: skip
    return orjson.dumps(raw).decode()


def test_ticker_becomes_a_neutral_ticker_with_its_mid() -> None:
    (event,) = recorded([_ticker()])
    assert isinstance(event, Ticker)
    assert (event.bid, event.ask, event.last, event.mid) == (
        Decimal(100), Decimal(102), Decimal(101), Decimal(101),
    )  # fmt: skip
    assert event.timestamp.tzinfo is not None


@pytest.mark.parametrize(
    "fields", [{"bid": "abc"}, {"bid": "0"}, {"ask": "-1"}, {"bid": "103"}, {"timestamp": "yesterday"}]
)
def test_bad_ticker_fields_are_dropped_at_the_boundary(fields: dict[str, str]) -> None:
    (frame,) = recorded([_ticker(**fields)])
    assert isinstance(frame, Malformed)


def test_book_and_trade() -> None:
    book = orjson.dumps(
        {
            "channel": "orderbooks",
            "symbol": "BTC_JPY",
            "timestamp": TS,
            "bids": [{"price": "100", "size": "1"}],
            "asks": [{"price": "101", "size": "2"}],
        }
    )
    trade = orjson.dumps({"channel": "trades", "symbol": "BTC_JPY", "timestamp": TS,
                          "price": "100", "size": "0.1", "side": "BUY"})  # fmt: skip
    b, t = recorded([book.decode(), trade.decode()])
    assert isinstance(b, OrderBook)
    assert (b.best_bid, b.best_ask) == (Decimal(100), Decimal(101))
    assert isinstance(t, Trade)
    assert (t.side, t.size) == ("BUY", Decimal("0.1"))


def test_recorded_frames_one_per_non_blank_line() -> None:
    lines = [_ticker(), "", "not json", '{"error": "ERR-5003 Request too many."}', _ticker(bid="x")]
    frames = list(recorded(lines))
    assert len(frames) == 4
    assert isinstance(frames[0], Ticker)
    assert isinstance(frames[1], Malformed)
    assert frames[2] is None  # an exchange error frame carries no market event
    assert isinstance(frames[3], Malformed)
