"""Correctness self-check of the market-data hot path (speed is the benchmark's job)."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from tradingbot.venues.gmo.market import (
    BookUpdate,
    ExchangeErrorFrame,
    MalformedFrame,
    MarketDecoder,
    MarketState,
    TickerUpdate,
    TradeUpdate,
)

TICKER = {
    "channel": "ticker",
    "ask": "750760",
    "bid": "750600",
    "high": "762302",
    "last": "756662",
    "low": "704874",
    "symbol": "BTC_JPY",
    "timestamp": "2018-03-30T12:34:56.789Z",
    "volume": "194785.8484",
}
BOOK = {
    "channel": "orderbooks",
    "asks": [{"price": str(455659 + i), "size": "0.1"} for i in range(20)],
    "bids": [{"price": str(455600 - i), "size": "0.2"} for i in range(20)],
    "symbol": "BTC_JPY",
    "timestamp": "2018-03-30T12:34:56.789Z",
}
TRADE = {
    "channel": "trades",
    "price": "750760",
    "side": "BUY",
    "size": "0.1",
    "timestamp": "2018-03-30T12:34:56.789Z",
    "symbol": "BTC_JPY",
}


def test_ticker_lazy_and_cached() -> None:
    decoder = MarketDecoder()
    event = decoder.decode(orjson.dumps(TICKER))
    assert isinstance(event, TickerUpdate)
    assert event.last == Decimal("756662")
    assert event.last is event.last  # cached
    assert (event.bid, event.ask) == (Decimal("750600"), Decimal("750760"))
    assert event.timestamp.utcoffset() is not None
    assert decoder.state.last_price("BTC_JPY") == Decimal("756662")


def test_book_top_and_depth() -> None:
    decoder = MarketDecoder()
    event = decoder.decode(orjson.dumps(BOOK).decode())
    assert isinstance(event, BookUpdate)
    assert event.best_bid == Decimal("455600")
    assert event.best_ask == Decimal("455659")
    assert event.mid == Decimal("455629.5")
    assert event.bids(3) == [
        (Decimal("455600"), Decimal("0.2")),
        (Decimal("455599"), Decimal("0.2")),
        (Decimal("455598"), Decimal("0.2")),
    ]
    assert len(event.asks()) == 20
    assert decoder.state.best_bid("BTC_JPY") == Decimal("455600")
    assert decoder.state.best_ask("BTC_JPY") == Decimal("455659")


def test_empty_book_side() -> None:
    event = MarketDecoder().decode(orjson.dumps({**BOOK, "bids": []}))
    assert isinstance(event, BookUpdate)
    assert event.best_bid is None
    assert event.mid is None


def test_trades_kept_per_symbol_and_bounded() -> None:
    decoder = MarketDecoder(MarketState(trades_kept=3))
    for i in range(5):
        decoder.decode(orjson.dumps({**TRADE, "price": str(100 + i)}))
    decoder.decode(orjson.dumps({**TRADE, "symbol": "ETH_JPY"}))
    trades = decoder.state.recent_trades("BTC_JPY")
    assert [t.price for t in trades] == [Decimal(102), Decimal(103), Decimal(104)]
    assert isinstance(trades[0], TradeUpdate)
    assert trades[0].side == "BUY"
    assert decoder.state.last_price("BTC_JPY") == Decimal(104)  # no ticker yet: last trade
    assert len(decoder.state.recent_trades("ETH_JPY")) == 1


def test_error_frame_is_an_event_not_malformed() -> None:
    decoder = MarketDecoder()
    event = decoder.decode(b'{"error":"ERR-5003 Request too many."}')
    assert isinstance(event, ExchangeErrorFrame)
    assert event.code == "ERR-5003"
    assert decoder.malformed_frames == 0


@pytest.mark.parametrize(
    "frame",
    [
        b"not json",
        b"",
        b"[1,2]",
        b'"text"',
        b'{"channel":"ticker"}',
        b'{"channel":"nope","symbol":"BTC_JPY"}',
        b'{"channel":"orderbooks","symbol":"BTC_JPY","asks":{},"bids":[]}',
        b'{"channel":"trades","symbol":"BTC_JPY","side":"BUY"}',
        b'{"symbol":"BTC_JPY"}',
    ],
)
def test_malformed_frames_counted_and_state_untouched(frame: bytes) -> None:
    decoder = MarketDecoder()
    decoder.decode(orjson.dumps(TICKER))
    with pytest.raises(MalformedFrame):
        decoder.decode(frame)
    assert decoder.malformed_frames == 1
    assert decoder.state.last_price("BTC_JPY") == Decimal("756662")


def test_bad_number_fails_on_access_as_malformed() -> None:
    event = MarketDecoder().decode(orjson.dumps({**TICKER, "last": "abc"}))
    assert isinstance(event, TickerUpdate)
    with pytest.raises(MalformedFrame, match="'last'"):
        _ = event.last


def test_mixed_stream_self_check() -> None:
    """The benchmark's mix (20% ticker / 40% books / 40% trades) decodes to the right final state."""
    decoder = MarketDecoder()
    frames = []
    for i in range(100):
        kind = i % 5
        if kind == 0:
            frames.append(orjson.dumps({**TICKER, "last": str(1000 + i)}))
        elif kind in (1, 2):
            frames.append(orjson.dumps({**BOOK, "bids": [{"price": str(900 + i), "size": "1"}]}))
        else:
            frames.append(orjson.dumps({**TRADE, "price": str(2000 + i)}))
    kinds = [decoder.decode(f).channel for f in frames]
    assert kinds.count("ticker") == 20
    assert kinds.count("orderbooks") == 40
    assert kinds.count("trades") == 40
    assert decoder.state.last_price("BTC_JPY") == Decimal(1095)
    assert decoder.state.best_bid("BTC_JPY") == Decimal(997)
    assert decoder.state.recent_trades("BTC_JPY")[-1].price == Decimal(2099)
    assert decoder.malformed_frames == 0
