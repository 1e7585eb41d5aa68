"""The simulator's bad frames against the bot's decoder: a differential check of intent and verdict.

Each kind of ``tradingbot.sim.badframes`` states the reason a client must refuse it for, written on the
simulator's side; the decoder (both its fast path, through ``MarketDecoder``, and the checked path it
falls back to) must refuse every kind on every channel the kind applies to with exactly that reason, and
accept the ``valid`` kind with the price it was built around. Together the kinds cover every refusal
reason but ``internal`` (a bug of the decoder's own, which no frame is meant to cause).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from tradingbot.marketdata import MALFORMED_REASONS, OrderBook, Ticker, Trade, reasons
from tradingbot.sim.badframes import (
    CHANNELS,
    ENTRIES,
    KINDS,
    bad_frame,
    check,
    check_price,
    parse,
    valid_frame,
)
from tradingbot.sim.config import DEFAULT_SPECS, SymbolSpec
from tradingbot.venues.gmo.checked import decode_checked
from tradingbot.venues.gmo.grammar import Refused
from tradingbot.venues.gmo.market import MalformedFrame, MarketDecoder

NOW = datetime(2026, 12, 3, 9, 30, 15, 123000, tzinfo=UTC)
SPECS = list(DEFAULT_SPECS.values())
EVENTS: dict[str, type[Ticker | OrderBook | Trade]] = {
    "ticker": Ticker,
    "orderbooks": OrderBook,
    "trades": Trade,
}


def _mid(spec: SymbolSpec) -> Decimal:
    # A price the strategy would trade on if it believed it: 2 % above the symbol's usual one.
    return (spec.initial_price * Decimal("1.02")).quantize(spec.tick_size)


def _verdict(decoder: MarketDecoder, text: str) -> str | Ticker | OrderBook | Trade:
    try:
        event = decoder.decode(text)
    except MalformedFrame as exc:
        return exc.reason
    assert isinstance(event, Ticker | OrderBook | Trade), event
    return event


@pytest.mark.parametrize("spec", SPECS, ids=[s.symbol for s in SPECS])
@pytest.mark.parametrize("entry", ENTRIES)
def test_the_decoder_refuses_each_kind_for_the_reason_the_simulator_states(
    entry: str, spec: SymbolSpec
) -> None:
    channel, kind = parse(entry)
    mid = _mid(spec)
    text = bad_frame(entry, spec, mid, NOW)
    decoder = MarketDecoder(symbols={spec.symbol})
    verdict = _verdict(decoder, text)
    try:
        checked: str | object = decode_checked(text, frozenset({spec.symbol}))
    except Refused as exc:
        checked = exc.reason
    if kind.reason is None:
        assert isinstance(verdict, Ticker | OrderBook | Trade), verdict
        assert verdict == checked
        assert isinstance(verdict, EVENTS[channel])
        assert verdict.symbol == spec.symbol
        price = verdict.price if isinstance(verdict, Trade) else verdict.mid
        assert price == mid, text
        assert decoder.malformed_frames == 0
    else:
        assert verdict == kind.reason, text
        assert checked == kind.reason, text
        assert decoder.malformed_by_reason[kind.reason] == 1


def test_the_kinds_cover_every_reason_but_internal() -> None:
    stated = {kind.reason for kind in KINDS.values()} - {None}
    assert stated == set(MALFORMED_REASONS) - {reasons.INTERNAL}


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_bad_frame_differs_from_the_valid_one_only_where_its_kind_says(channel: str) -> None:
    spec = DEFAULT_SPECS["BTC_JPY"]
    valid = valid_frame(channel, spec, _mid(spec), NOW)
    assert orjson.loads(bad_frame(f"{channel}:valid", spec, _mid(spec), NOW)) == valid
    zero = orjson.loads(bad_frame(f"{channel}:zero_price", spec, _mid(spec), NOW))
    changed = {k for k in valid if zero[k] != valid[k]}
    assert changed == {"bid" if channel == "ticker" else "asks" if channel == "orderbooks" else "price"}
    stamp = orjson.loads(bad_frame(f"{channel}:naive_timestamp", spec, _mid(spec), NOW))["timestamp"]
    assert stamp == "2026-12-03T09:30:15.123"


def test_entries_are_checked_with_a_message_naming_the_value_and_what_is_accepted() -> None:
    assert check(["ticker:zero_price", "trades:hold_side"]) == ("ticker:zero_price", "trades:hold_side")
    for bad, match in (
        ("ticker:zero_price", r"bad_frames='ticker:zero_price'; accepted: a list of '<channel>:<kind>'"),
        (["ticker:hold_side"], r"bad_frames entry 'ticker:hold_side'.*'hold_side' applies to \['trades'\]"),
        (["ticker:zero"], r"bad_frames entry 'ticker:zero'.*kinds: \['truncated'"),
        (["orderbook:crossed"], r"'crossed' applies to \['ticker', 'orderbooks'\]"),
        ([7], r"bad_frames entry 7; accepted"),
        (None, r"bad_frames=None"),
    ):
        with pytest.raises(ValueError, match=match):
            check(bad)
    assert check_price(None) is None
    assert check_price("15300000") == "15300000"
    for price in ("0", "1e7", "-5", "１５", " 15", "15.", 15300000):
        with pytest.raises(ValueError, match=rf"bad_frame_price={price!r}; accepted: null or a positive"):
            check_price(price)
