"""Correctness self-check of the market-data hot path (speed is the benchmark's job)."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from tradingbot.marketdata import BookLevel, OrderBook, Ticker, Trade
from tradingbot.venues.gmo.checked import decode_checked
from tradingbot.venues.gmo.market import ExchangeErrorFrame, MalformedFrame, MarketDecoder, MarketState

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
SYMBOLS = ("BTC_JPY", "ETH_JPY")


def test_ticker_is_typed_and_kept() -> None:
    decoder = MarketDecoder(symbols=SYMBOLS)
    event = decoder.decode(orjson.dumps(TICKER))
    assert isinstance(event, Ticker)
    assert event.last == Decimal("756662")
    assert (event.bid, event.ask) == (Decimal("750600"), Decimal("750760"))
    assert event.mid == Decimal("750680")
    assert event.volume == Decimal("194785.8484")
    assert event.timestamp.utcoffset() is not None
    assert decoder.state.last_price("BTC_JPY") == Decimal("756662")
    assert decoder.state.tickers["BTC_JPY"] is event


def test_book_top_and_depth() -> None:
    decoder = MarketDecoder(symbols=SYMBOLS)
    event = decoder.decode(orjson.dumps(BOOK).decode())
    assert isinstance(event, OrderBook)
    assert event.best_bid == Decimal("455600")
    assert event.best_ask == Decimal("455659")
    assert event.mid == Decimal("455629.5")
    assert event.bids[:3] == (
        BookLevel(Decimal("455600"), Decimal("0.2")),
        BookLevel(Decimal("455599"), Decimal("0.2")),
        BookLevel(Decimal("455598"), Decimal("0.2")),
    )
    assert len(event.asks) == 20
    assert event.asks[-1] == BookLevel(Decimal(455678), Decimal("0.1"))
    assert event == decode_checked(orjson.dumps(BOOK), frozenset(SYMBOLS))  # fast path == checked path
    assert decoder.state.best_bid("BTC_JPY") == Decimal("455600")
    assert decoder.state.best_ask("BTC_JPY") == Decimal("455659")


def test_book_is_immutable() -> None:
    event = MarketDecoder(symbols=SYMBOLS).decode(orjson.dumps(BOOK))
    with pytest.raises(AttributeError):
        event.symbol = "ETH_JPY"  # type: ignore[misc]


@pytest.mark.parametrize("side", ["bids", "asks"])
def test_empty_book_side(side: str) -> None:
    event = MarketDecoder(symbols=SYMBOLS).decode(orjson.dumps({**BOOK, side: []}))
    assert isinstance(event, OrderBook)
    assert getattr(event, side) == ()
    assert event.mid is None


def test_unusual_but_valid_frames_take_the_checked_path() -> None:
    """Reordered keys, whitespace, leading zeros: valid, decoded to the same values."""
    decoder = MarketDecoder(symbols=SYMBOLS)
    book = {"timestamp": BOOK["timestamp"], "symbol": "BTC_JPY", "bids": BOOK["bids"], "asks": BOOK["asks"],
            "channel": "orderbooks"}  # fmt: skip
    spaced = orjson.dumps(book, option=orjson.OPT_INDENT_2)
    assert decoder.decode(spaced) == decoder.decode(orjson.dumps(BOOK))
    padded = {**BOOK, "asks": [{"size": "0.1", "price": "0455659"}]}
    event = decoder.decode(orjson.dumps(padded))
    assert isinstance(event, OrderBook)
    assert event.best_ask == Decimal(455659)
    assert decoder.malformed_frames == 0


def test_trades_kept_per_symbol_and_bounded() -> None:
    decoder = MarketDecoder(MarketState(trades_kept=3), symbols=SYMBOLS)
    for i in range(5):
        decoder.decode(orjson.dumps({**TRADE, "price": str(100 + i)}))
    decoder.decode(orjson.dumps({**TRADE, "symbol": "ETH_JPY"}))
    trades = decoder.state.recent_trades("BTC_JPY")
    assert [t.price for t in trades] == [Decimal(102), Decimal(103), Decimal(104)]
    assert isinstance(trades[0], Trade)
    assert trades[0].side == "BUY"
    assert decoder.state.last_price("BTC_JPY") == Decimal(104)  # no ticker yet: last trade
    assert len(decoder.state.recent_trades("ETH_JPY")) == 1


def test_error_frame_is_an_event_not_malformed() -> None:
    decoder = MarketDecoder(symbols=SYMBOLS)
    event = decoder.decode(b'{"error":"ERR-5003 Request too many."}')
    assert isinstance(event, ExchangeErrorFrame)
    assert event.code == "ERR-5003"
    assert decoder.malformed_frames == 0


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"not json", "json"),
        (b"", "json"),
        (b"[1,2]", "json"),
        (b'"text"', "json"),
        (b'{"channel":"ticker"}', "schema"),
        (b'{"channel":"nope","symbol":"BTC_JPY"}', "channel"),
        (b'{"channel":5}', "channel"),
        (b'{"channel":"orderbooks","symbol":"BTC_JPY","asks":{},"bids":[],"timestamp":"2018-03-30T12:34:56Z"}',
         "schema"),
        (b'{"channel":"trades","symbol":"BTC_JPY","side":"BUY","timestamp":"2018-03-30T12:34:56Z"}',
         "schema"),
        (b'{"symbol":"BTC_JPY"}', "channel"),
    ],
)  # fmt: skip
def test_malformed_frames_counted_by_reason_and_state_untouched(frame: bytes, reason: str) -> None:
    refused: list[str] = []
    decoder = MarketDecoder(symbols=SYMBOLS, on_malformed=refused.append)
    decoder.decode(orjson.dumps(TICKER))
    with pytest.raises(MalformedFrame) as info:
        decoder.decode(frame)
    assert info.value.reason == reason
    assert refused == [reason]
    assert decoder.malformed_frames == 1
    assert decoder.malformed_by_reason[reason] == 1
    assert decoder.state.last_price("BTC_JPY") == Decimal("756662")


def test_bad_number_is_refused_at_decode_not_on_access() -> None:
    decoder = MarketDecoder(symbols=SYMBOLS)
    with pytest.raises(MalformedFrame, match="'last'") as info:
        decoder.decode(orjson.dumps({**TICKER, "last": "abc"}))
    assert info.value.reason == "number"
    assert "BTC_JPY" not in decoder.state.tickers


def test_a_bug_in_the_fast_path_costs_one_frame_only(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = MarketDecoder(symbols=SYMBOLS)

    def broken(wire: object) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(decoder, "_trade", broken)
    event = decoder.decode(orjson.dumps(TRADE))  # the checked path still decides, correctly
    assert isinstance(event, Trade)
    assert event.price == Decimal(750760)


def test_mixed_stream_self_check() -> None:
    """The benchmark's mix (20% ticker / 40% books / 40% trades) decodes to the right final state."""
    decoder = MarketDecoder(symbols=SYMBOLS)
    frames = []
    for i in range(100):
        kind = i % 5
        if kind == 0:
            frames.append(orjson.dumps({**TICKER, "last": str(1000 + i)}))
        elif kind in (1, 2):
            frames.append(orjson.dumps({**BOOK, "bids": [{"price": str(900 + i), "size": "1"}]}))
        else:
            frames.append(orjson.dumps({**TRADE, "price": str(2000 + i)}))
    kinds = [type(decoder.decode(f)).__name__ for f in frames]
    assert kinds.count("Ticker") == 20
    assert kinds.count("OrderBook") == 40
    assert kinds.count("Trade") == 40
    assert decoder.state.last_price("BTC_JPY") == Decimal(1095)
    assert decoder.state.best_bid("BTC_JPY") == Decimal(997)
    assert decoder.state.recent_trades("BTC_JPY")[-1].price == Decimal(2099)
    assert decoder.malformed_frames == 0


class _Observer:
    def __init__(self) -> None:
        self.malformed: list[str] = []

    def on_malformed_frame(self, stream: str) -> None:
        self.malformed.append(stream)

    def on_reconnect(self, stream: str) -> None:
        return None


def test_stream_accepts_its_subscribed_symbols_and_reports_refusals_once() -> None:
    from tradingbot.venues.gmo.ws import PublicStream, Subscription

    seen: list[object] = []
    observer = _Observer()
    stream = PublicStream("ws://127.0.0.1:9/x", [Subscription("trades", "ETH_JPY")], on_event=seen.append,
                          observer=observer)  # fmt: skip
    stream._handle(orjson.dumps({**TRADE, "symbol": "ETH_JPY"}))
    stream._handle(orjson.dumps(TRADE))  # BTC_JPY: not subscribed by this stream
    assert [type(e) for e in seen] == [Trade]
    assert observer.malformed == ["public"]  # without on_malformed, the legacy observer hook counts it
    reasons: list[str] = []
    with_hook = PublicStream("ws://127.0.0.1:9/x", [Subscription("trades", "ETH_JPY")], observer=observer,
                             on_malformed=reasons.append)  # fmt: skip
    with_hook._handle(orjson.dumps(TRADE))
    assert reasons == ["symbol"]
    assert observer.malformed == ["public"]  # counted once, with its reason, not twice
