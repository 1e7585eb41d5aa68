"""The number grammar against an independent reference, and every case of issue 13's "Why" list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tradingbot.marketdata import MALFORMED_REASONS, BookLevel, OrderBook, Ticker, Trade
from tradingbot.venues.gmo import grammar
from tradingbot.venues.gmo.market import MalformedFrame, MarketDecoder
from tradingbot.venues.gmo.ws import PublicStream, Subscription

from tests.unit.venues.market_reference import is_gmo_number

TS = "2018-03-30T12:34:56.789Z"
TICKER = {"channel": "ticker", "ask": "750760", "bid": "750600", "high": "762302", "last": "756662",
          "low": "704874", "symbol": "BTC_JPY", "timestamp": TS, "volume": "194785.8484"}  # fmt: skip
BOOK = {
    "channel": "orderbooks",
    "asks": [{"price": "455659", "size": "0.1"}, {"price": "455660", "size": "0.2"}],
    "bids": [{"price": "455600", "size": "0.2"}, {"price": "455599", "size": "1"}],
    "symbol": "BTC_JPY",
    "timestamp": TS,
}
TRADE = {"channel": "trades", "price": "750760", "side": "BUY", "size": "0.1", "timestamp": TS,
         "symbol": "BTC_JPY"}  # fmt: skip

# Characters that stress the grammar: ASCII digits, dots, signs, exponents, spaces, other scripts' digits.
TRICKY = "0123456789..-+eE _\t\n\x00１２３٠١٢۳४๕²½ⅷ"
NUMBERISH = st.text(alphabet=st.sampled_from(TRICKY), max_size=12) | st.text(max_size=8)


@settings(max_examples=3000, deadline=None, database=None, derandomize=True)
@given(text=NUMBERISH)
def test_grammar_matches_the_reference(text: str) -> None:
    assert bool(grammar.is_number(text)) == is_gmo_number(text)


@pytest.mark.parametrize(
    ("text", "ok"),
    [("0", True), ("15000000", True), ("0.0015", True), ("007", True), ("1.", False), (".5", False),
     ("1.2.3", False), ("", False), ("-0", False), ("+1", False), ("1e-30", False), ("1E5", False),
     (" 1", False), ("1 ", False), ("1\n", False), ("１２３", False), ("١٢٣", False), ("۱", False),
     ("²", False), ("1_000", False), ("NaN", False), ("Infinity", False), ("0x10", False)],
)  # fmt: skip
def test_grammar_table(text: str, ok: bool) -> None:
    assert bool(grammar.is_number(text)) is ok
    assert is_gmo_number(text) is ok  # the reference agrees on the hand-written table too


def _refused(frame: dict[str, Any], reason: str, *, symbols: tuple[str, ...] = ("BTC_JPY",)) -> None:
    """The frame never reaches the consumer, is counted under ``reason`` and does not raise out."""
    seen: list[object] = []
    refused: list[str] = []
    stream = PublicStream("ws://127.0.0.1:9/x", [Subscription("ticker", s) for s in symbols],
                          on_event=seen.append, on_malformed=refused.append)  # fmt: skip
    stream._handle(orjson.dumps(frame, option=orjson.OPT_NON_STR_KEYS))
    assert seen == []
    assert refused == [reason]
    assert stream.malformed_frames == 1
    assert stream.decoder.state.tickers == {}
    assert stream.decoder.state.books == {}
    with pytest.raises(MalformedFrame) as info:
        MarketDecoder(symbols=symbols).decode(orjson.dumps(frame, option=orjson.OPT_NON_STR_KEYS))
    assert info.value.reason == reason


@pytest.mark.parametrize("zero", ["0", "0.0", "00"])
def test_zero_ticker_prices_refused(zero: str) -> None:
    _refused({**TICKER, "bid": zero, "ask": zero, "last": zero}, "range")


def test_minus_zero_ticker_prices_refused() -> None:
    _refused({**TICKER, "bid": "-0", "ask": "-0", "last": "-0"}, "number")


@pytest.mark.parametrize("digits", ["７５０６００", "٧٥٠٦٠٠", "۷۵۰۶۰۰", "७५०६००", "７５０６００.5"])
def test_non_ascii_digits_refused_and_no_mid_reaches_the_strategy(digits: str) -> None:
    _refused({**TICKER, "bid": digits}, "number")
    _refused({**TRADE, "price": digits}, "number")
    _refused({**BOOK, "bids": [{"price": digits, "size": "1"}]}, "number")


@pytest.mark.parametrize("padded", [" 750600", "750600 ", "\t750600", "750600\n", " 750600 "])
def test_padded_whitespace_refused(padded: str) -> None:
    _refused({**TICKER, "bid": padded}, "number")
    _refused({**BOOK, "asks": [{"price": "455659", "size": padded}]}, "number")


@pytest.mark.parametrize("exp", ["1e-30", "7.5076E5", "1e3", "0e0"])
def test_exponent_refused(exp: str) -> None:
    _refused({**TRADE, "size": exp}, "number")
    _refused({**TICKER, "volume": exp}, "number")


def test_crossed_book_refused() -> None:
    _refused({**BOOK, "bids": [{"price": "455700", "size": "1"}]}, "crossed")
    _refused({**BOOK, "bids": [{"price": "455659", "size": "1"}]}, "crossed")  # locked: bid == ask


def test_unsorted_book_refused() -> None:
    _refused({**BOOK, "asks": BOOK["asks"][::-1]}, "unsorted")
    _refused({**BOOK, "bids": BOOK["bids"][::-1]}, "unsorted")
    _refused({**BOOK, "asks": [BOOK["asks"][0], BOOK["asks"][0]]}, "unsorted")  # a repeated level


def test_ticker_bid_above_ask_refused() -> None:
    _refused({**TICKER, "bid": "750761"}, "crossed")


@pytest.mark.parametrize("symbol", ["\u0000", "", "ETH_JPY", "btc_jpy", "BTC_JPY ", 5, None, ["BTC_JPY"]])
def test_bad_or_unsubscribed_symbols_refused(symbol: object) -> None:
    _refused({**TICKER, "symbol": symbol}, "symbol")
    _refused({**BOOK, "symbol": symbol}, "symbol")


@pytest.mark.parametrize(
    "stamp",
    [
        "2018-03-30T12:34:56.789+09:00",
        "2018-03-30T12:34:56.789",
        "yesterday",
        "２018-03-30T12:34:56.789Z",
        "2018-13-30T12:34:56Z",
        1522413296,
    ],
)
def test_non_utc_or_non_iso_timestamps_refused(stamp: object) -> None:
    _refused({**TRADE, "timestamp": stamp}, "timestamp")


def test_zero_trade_and_level_sizes_refused() -> None:
    _refused({**TRADE, "size": "0"}, "range")
    _refused({**BOOK, "asks": [{"price": "455659", "size": "0.000"}]}, "range")


def test_absurd_price_or_size_refused() -> None:
    _refused({**TRADE, "price": "1" + "0" * 12}, "range")
    # Found by the chaos corpus: the fast book path once checked only that sizes were > 0.
    _refused({**BOOK, "asks": [{"price": "455659", "size": "1" + "0" * 12}]}, "range")


def test_every_reason_is_a_known_label() -> None:
    assert len(set(MALFORMED_REASONS)) == len(MALFORMED_REASONS)
    assert all(r.isidentifier() for r in MALFORMED_REASONS)


def test_validation_is_eager_values_are_decimals_at_delivery() -> None:
    """Nothing is left to fail later inside the engine: every field is already typed when delivered."""
    seen: list[object] = []
    stream = PublicStream("ws://127.0.0.1:9/x", [Subscription("ticker", "BTC_JPY")], on_event=seen.append)
    for frame in (TICKER, BOOK, TRADE):
        stream._handle(orjson.dumps(frame))
    ticker, book, trade = seen
    assert isinstance(ticker, Ticker)
    assert isinstance(book, OrderBook)
    assert isinstance(trade, Trade)
    assert (ticker.bid, ticker.ask, ticker.last, ticker.volume) == (
        Decimal(750600), Decimal(750760), Decimal(756662), Decimal("194785.8484"))  # fmt: skip
    assert all(type(v) is Decimal for v in (ticker.bid, trade.price, trade.size, book.best_bid))
    offset = ticker.timestamp.utcoffset()
    assert offset is not None
    assert not offset
    assert [(lv.price, lv.size) for lv in book.bids] == [
        (Decimal(455600), Decimal("0.2")),
        (Decimal(455599), 1),
    ]
    assert stream.malformed_frames == 0


@pytest.mark.parametrize(
    "level",
    [{"pr1ice": "455659", "size": "1"}, {"price": "455659", "si.ze": "1"}, {"1price": "455659", "size": "1"},
     {"price": "455659", "size": "1", "size2": "1"}, {"size": "1", "price": "455659", "x": 5}],
)  # fmt: skip
def test_digits_or_dots_hidden_in_level_keys_are_not_taken_for_values(level: dict[str, Any]) -> None:
    """The bulk book check deletes digits and dots: a key like "pr1ice" must still not pass for "price"."""
    frame = {**BOOK, "asks": [level]}
    expected = "schema" if "price" not in level or "size" not in level else None
    if expected is None:  # extra keys are ignored, as everywhere: the level is valid
        event = MarketDecoder(symbols=("BTC_JPY",)).decode(orjson.dumps(frame))
        assert isinstance(event, OrderBook)
        assert event.asks == (BookLevel(Decimal(455659), Decimal(1)),)
    else:
        _refused(frame, expected)
