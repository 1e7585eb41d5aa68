"""The compiled scanner (``venues/gmo/_wirescan.c``) against the checked path, the authority (hypothesis).

Its promise: for any input it returns ``None`` (the Python paths decide) or exactly the event the checked
path builds: same values, same Decimal texts (exponents included), same timestamp, and for a book the same
levels and best prices. It must never accept what the checked path refuses. The inputs are the shared
hostile corpus, arbitrary text and bytes, byte-level edits of valid frames (whitespace, escapes, duplicate
keys, flipped characters), numbers near the grammar, near-equal book prices and near-valid timestamps.
It must also accept the frames GMO actually sends, or the speed it exists for is silently gone.
"""

from __future__ import annotations

import gc
import random
import shutil
import sys
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tradingbot.marketdata import OrderBook
from tradingbot.venues.gmo import decode
from tradingbot.venues.gmo.checked import ExchangeErrorFrame, decode_checked
from tradingbot.venues.gmo.grammar import Refused

from benchmarks.frames import generate
from tests.unit.venues.market_frames import SUBSCRIBED, hostile_frame, valid_frame

if not decode.COMPILED:
    if shutil.which("cc") or shutil.which("gcc"):
        pytest.fail(
            "the compiled decoder (tradingbot.venues.gmo._wirescan) is not built although a C compiler "
            "exists: run `make setup` (pip install -e bot builds it)",
            pytrace=False,
        )
    pytest.skip("no C compiler on this machine: the bot decodes in pure Python", allow_module_level=True)

SETTINGS = settings(max_examples=500, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))  # fmt: skip
SYMBOLS = frozenset(SUBSCRIBED)
STAMP = "2026-11-27T06:00:00.123Z"


def _scanner() -> Any:
    return decode.MarketDecoder(symbols=SUBSCRIBED)._scan


def _content(event: object) -> object:
    """Everything an event carries, Decimals as their exact text (so 1.50 and 1.5 differ)."""
    if isinstance(event, OrderBook):
        levels = [(repr(lv.price), repr(lv.size)) for lv in (*event.bids, *event.asks)]
        return ("book", event.symbol, event.timestamp, repr(event.best_bid), repr(event.best_ask),
                len(event.bids), levels)  # fmt: skip
    return repr(event)


def check(frame: bytes | str) -> bool:
    """Asserts the promise for one input; True when the scanner accepted it."""
    scanned = _scanner()(frame)
    if scanned is None:
        return False
    try:
        checked = decode_checked(frame, SYMBOLS)
    except Refused as exc:
        raise AssertionError(f"the scanner accepted a frame the checked path refuses ({exc})") from None
    assert not isinstance(checked, ExchangeErrorFrame)
    assert _content(scanned) == _content(checked)
    assert scanned == checked
    assert scanned.timestamp.tzinfo is checked.timestamp.tzinfo
    return True


HOSTILE = st.builds(hostile_frame, st.randoms(use_true_random=False))
TICKER = ('{"channel":"ticker","ask":"2","bid":"1","high":"%s","last":"1","symbol":"BTC_JPY",'
          '"timestamp":"2026-11-27T06:00:00Z","volume":"0"}')  # fmt: skip


@SETTINGS
@given(frame=HOSTILE | st.text(max_size=300) | st.binary())
@example(frame=TICKER % "1\\q")  # an invalid escape in a value nobody reads: not JSON
@example(frame=TICKER % '1\\","x')  # an escaped quote: the string goes on
@example(frame=TICKER % "1\x01")  # a raw control character: not JSON
@example(frame=(TICKER % "1").replace('"last":"1"', '"last":"1","last":"3"'))  # a key twice: the last wins
def test_any_input_is_deferred_or_the_checked_event(frame: bytes | str) -> None:
    check(frame)


EDITS = st.sampled_from([b" ", b"\n", b"\\", b'\\"', b'"', b",", b":", b"{", b"}", b"[", b"]", b"0",
                         b".", b"-", b"e", b"\\u0031", b"\x00", b"\xc3\xa9", b'"x":1,',
                         b'"symbol":"BTC_JPY",'])  # fmt: skip


@SETTINGS
@given(rng=st.randoms(use_true_random=False), edits=st.lists(st.tuples(st.floats(0, 1), EDITS), max_size=3))
def test_byte_edits_of_valid_frames(rng: random.Random, edits: list[tuple[float, bytes]]) -> None:
    frame = orjson.dumps(valid_frame(rng))
    for where, text in edits:
        at = int(where * len(frame))
        frame = frame[:at] + text + frame[at + (rng.random() < 0.5) :]
    check(frame)


NUMBERISH = st.text(alphabet="0123456789.-+eE _", max_size=14) | st.sampled_from(
    ["0", "00", "0.0", "000.000", "1", "007", "1.50", "0.0001", "999999999999", "999999999999.999",
     "1000000000000", "0001000000000000", "1.", ".5", "1..2", "18446744073709551616", "999999999999999999"]
)  # fmt: skip


@SETTINGS
@given(bid=NUMBERISH, ask=NUMBERISH, last=NUMBERISH, volume=NUMBERISH)
def test_ticker_numbers_near_the_grammar(bid: str, ask: str, last: str, volume: str) -> None:
    check(orjson.dumps({"channel": "ticker", "ask": ask, "bid": bid, "last": last, "volume": volume,
                        "symbol": "BTC_JPY", "timestamp": STAMP}))  # fmt: skip


@SETTINGS
@given(price=NUMBERISH, size=NUMBERISH, side=st.sampled_from(["BUY", "SELL", "buy", "HOLD", ""]))
def test_trade_numbers_near_the_grammar(price: str, size: str, side: str) -> None:
    check(orjson.dumps({"channel": "trades", "price": price, "side": side, "size": size,
                        "timestamp": STAMP, "symbol": "ETH_JPY"}))  # fmt: skip


# Equal values in different texts ("100" and "100.0", "007" and "7") must be refused as unsorted, and the
# exact textual order must agree with Decimal's at every length and zero padding.
PRICE_TEXT = st.builds(
    lambda zeros, whole, frac, tail: "0" * zeros + whole + (f".{frac}{'0' * tail}" if frac or tail else ""),
    st.integers(0, 2), st.sampled_from(["0", "1", "9", "10", "99", "100", "101"]),
    st.sampled_from(["", "0", "5", "05", "50", "9"]), st.integers(0, 2),
)  # fmt: skip


@SETTINGS
@given(asks=st.lists(PRICE_TEXT, min_size=1, max_size=5), bids=st.lists(PRICE_TEXT, min_size=1, max_size=5))
def test_book_order_is_exact(asks: list[str], bids: list[str]) -> None:
    def side(prices: list[str]) -> list[dict[str, str]]:
        return [{"price": p, "size": "0.5"} for p in prices]

    frame = {"channel": "orderbooks", "asks": side(asks), "bids": side(bids), "symbol": "BTC_JPY",
             "timestamp": STAMP}  # fmt: skip
    check(orjson.dumps(frame))
    frame["asks"], frame["bids"] = side(sorted(asks, key=float)), side(sorted(bids, key=float, reverse=True))
    check(orjson.dumps(frame))


STAMPS = st.builds(
    lambda y, mo, d, h, mi, s, frac, zone: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{zone}",
    st.integers(0, 2400), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61),
    st.integers(0, 61), st.sampled_from(["", ".", ".5", ".123", ".123456", ".1234567", ".12a"]),
    st.sampled_from(["Z", "z", "+00:00", "", "+09:00"]),
)  # fmt: skip


@SETTINGS
@given(stamp=STAMPS)
@example(stamp="2024-02-29T23:59:59.999999Z")
@example(stamp="2100-02-29T00:00:00Z")
@example(stamp="0000-01-01T00:00:00Z")
def test_timestamps_agree_with_msgspec(stamp: str) -> None:
    check(orjson.dumps({"channel": "trades", "price": "1", "side": "BUY", "size": "1", "timestamp": stamp,
                        "symbol": "BTC_JPY"}))  # fmt: skip


def test_gmo_frames_take_the_compiled_path() -> None:
    """GMO's published examples and the benchmark's stream are all accepted by the scanner itself."""
    published = [
        b'{"channel":"ticker","ask":"750760","bid":"750600","high":"762302","last":"756662","low":"704874",'
        b'"symbol":"BTC","timestamp":"2018-03-30T12:34:56.789Z","volume":"194785.8484"}',
        b'{"channel":"orderbooks","asks":[{"price":"455659","size":"0.1"},{"price":"455658","size":"0.2"}],'
        b'"bids":[{"price":"455665","size":"0.1"},{"price":"455655","size":"0.3"}],"symbol":"BTC",'
        b'"timestamp":"2018-03-30T12:34:56.789Z"}',
        b'{"channel":"trades","price":"750760","side":"BUY","size":"0.1","timestamp":'
        b'"2018-03-30T12:34:56.789Z","symbol":"BTC"}',
    ]
    scan = decode.MarketDecoder(symbols=["BTC"])._scan
    # GMO's own orderbooks example is crossed and its asks descend (the docs' numbers are illustrative):
    # the scanner defers it and the checked path refuses it, as it must.
    assert [scan(f) is not None for f in published] == [True, False, True]
    assert all(check(frame) for frame in generate(3000, symbol="ETH_JPY"))
    assert all(check(frame.decode()) for frame in generate(300))


def test_no_references_leak() -> None:
    """Accepted, deferred and refused frames alike leave no Python objects behind (a C refcount bug would)."""
    rng = random.Random(5)
    frames = [*generate(300), *(hostile_frame(rng) for _ in range(300))]
    scan = _scanner()

    def run() -> None:
        for frame in frames:
            scan(frame)

    run()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(20):
        run()
    gc.collect()
    assert sys.getallocatedblocks() - before < 200  # 12,000 calls: a leak of one object a call is 12,000
