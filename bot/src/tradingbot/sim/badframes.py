"""Bad public frames on demand: realistic variants of GMO's frames, each naming why a client must refuse it.

The one place the simulator makes bad market data (the ``bad_frames`` fault, see :mod:`.faults`). Each
kind starts from a valid frame of its channel around a chosen mid price and breaks exactly one rule, the
way a real feed breaks: a truncated frame, a field missing, fullwidth digits, an exponent, a zero price, a
timestamp without its ``Z``, a side GMO never sends, asks out of order, a crossed book. ``reason`` is the
simulator's own statement of why (in the vocabulary of ``tradingbot.marketdata.reasons``, written here
independently of the client, like the rest of the simulator); a unit test holds the bot's decoder to it.
The ``valid`` kind breaks no rule: a well-formed frame whose price is simply wrong, which only the price
guard can catch.

A fault entry is ``"<channel>:<kind>"`` (``"ticker:zero_price"``, ``"orderbooks:unsorted_asks"``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from tradingbot.sim.book import synthetic_levels
from tradingbot.sim.config import SymbolSpec
from tradingbot.sim.grammar import is_number
from tradingbot.sim.views import level_view
from tradingbot.sim.wire import num, ts

CHANNELS = ("ticker", "orderbooks", "trades")
_LEVELS = 5
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")

Frame = dict[str, Any]


def valid_frame(channel: str, spec: SymbolSpec, mid: Decimal, now: datetime) -> Frame:
    """A frame of ``channel`` as the simulator broadcasts it, around ``mid`` (a price on the tick grid)."""
    asks, bids = synthetic_levels(mid, spec, random.Random(0), _LEVELS)
    if channel == "ticker":
        return {
            "channel": "ticker",
            "ask": num(asks[0].price),
            "bid": num(bids[0].price),
            "high": num(asks[-1].price),
            "last": num(mid),
            "low": num(bids[-1].price),
            "symbol": spec.symbol,
            "timestamp": ts(now),
            "volume": "1234.56",
        }
    if channel == "orderbooks":
        return {
            "channel": "orderbooks",
            "asks": level_view(asks),
            "bids": level_view(bids),
            "symbol": spec.symbol,
            "timestamp": ts(now),
        }
    if channel == "trades":
        return {
            "channel": "trades",
            "price": num(mid),
            "side": "BUY",
            "size": num(spec.min_order_size),
            "timestamp": ts(now),
            "symbol": spec.symbol,
        }
    raise ValueError(f"channel={channel!r}; accepted: one of {list(CHANNELS)}")


def _price_field(frame: Frame) -> tuple[dict[str, Any], str]:
    """Where the channel's leading price lives: the ticker's bid, the best ask, the trade's price."""
    if frame["channel"] == "orderbooks":
        best: dict[str, Any] = frame["asks"][0]
        return best, "price"
    return frame, "bid" if frame["channel"] == "ticker" else "price"


def _size_field(frame: Frame) -> tuple[dict[str, Any], str]:
    if frame["channel"] == "orderbooks":
        best: dict[str, Any] = frame["bids"][0]
        return best, "size"
    return frame, "volume" if frame["channel"] == "ticker" else "size"


def _text(frame: Frame) -> str:
    return orjson.dumps(frame).decode()


def _truncated(frame: Frame) -> str:
    text = _text(frame)
    return text[: len(text) // 2]  # a frame cut off mid-way, as a broken proxy or buffer sends it


def _unknown_channel(frame: Frame) -> str:
    frame["channel"] = frame["channel"].upper()
    return _text(frame)


def _missing_field(frame: Frame) -> str:
    del frame[{"ticker": "bid", "orderbooks": "asks", "trades": "size"}[frame["channel"]]]
    return _text(frame)


def _nul_symbol(frame: Frame) -> str:
    frame["symbol"] = "\u0000"
    return _text(frame)


def _spot_symbol(frame: Frame) -> str:
    # GMO names the spot market of BTC_JPY "BTC": a frame of a market the bot never subscribed to.
    symbol: str = frame["symbol"]
    frame["symbol"] = symbol.split("_", 1)[0] if "_" in symbol else f"{symbol}_JPY"
    return _text(frame)


def _fullwidth_digits(frame: Frame) -> str:
    where, key = _price_field(frame)
    where[key] = where[key].translate(_FULLWIDTH)  # "１５０００１５０": Decimal() would take it
    return _text(frame)


def _exponent(frame: Frame) -> str:
    where, key = _size_field(frame)
    where[key] = "1e-30"  # Decimal() takes it; GMO never sends an exponent
    return _text(frame)


def _zero_price(frame: Frame) -> str:
    where, key = _price_field(frame)
    where[key] = "0"
    return _text(frame)


def _naive_timestamp(frame: Frame) -> str:
    frame["timestamp"] = frame["timestamp"].removesuffix("Z")  # no offset: local time of somewhere
    return _text(frame)


def _hold_side(frame: Frame) -> str:
    frame["side"] = "HOLD"
    return _text(frame)


def _unsorted_asks(frame: Frame) -> str:
    asks = frame["asks"]
    asks[0], asks[1] = asks[1], asks[0]
    return _text(frame)


def _crossed(frame: Frame) -> str:
    if frame["channel"] == "ticker":
        frame["bid"], frame["ask"] = frame["ask"], frame["bid"]
    else:
        best_ask, best_bid = frame["asks"][0], frame["bids"][0]
        best_ask["price"], best_bid["price"] = best_bid["price"], best_ask["price"]
    return _text(frame)


@dataclass(frozen=True)
class BadKind:
    name: str
    reason: str | None
    """Why a client must refuse it (``tradingbot.marketdata.reasons``); None: valid, only its price lies."""
    channels: tuple[str, ...]
    make: Callable[[Frame], str]


KINDS: dict[str, BadKind] = {
    kind.name: kind
    for kind in (
        BadKind("truncated", "json", CHANNELS, _truncated),
        BadKind("unknown_channel", "channel", CHANNELS, _unknown_channel),
        BadKind("missing_field", "schema", CHANNELS, _missing_field),
        BadKind("nul_symbol", "symbol", CHANNELS, _nul_symbol),
        BadKind("spot_symbol", "symbol", CHANNELS, _spot_symbol),
        BadKind("fullwidth_digits", "number", CHANNELS, _fullwidth_digits),
        BadKind("exponent", "number", CHANNELS, _exponent),
        BadKind("zero_price", "range", CHANNELS, _zero_price),
        BadKind("naive_timestamp", "timestamp", CHANNELS, _naive_timestamp),
        BadKind("hold_side", "side", ("trades",), _hold_side),
        BadKind("unsorted_asks", "unsorted", ("orderbooks",), _unsorted_asks),
        BadKind("crossed", "crossed", ("ticker", "orderbooks"), _crossed),
        BadKind("valid", None, CHANNELS, _text),
    )
}

ENTRIES: tuple[str, ...] = tuple(f"{c}:{k.name}" for k in KINDS.values() for c in k.channels)
"""Every accepted fault entry."""


def parse(entry: object) -> tuple[str, BadKind]:
    """``"<channel>:<kind>"`` as (channel, kind); a ValueError names the entry and what is accepted."""
    channel, _, name = entry.partition(":") if isinstance(entry, str) else ("", "", "")
    kind = KINDS.get(name)
    if kind is None or channel not in kind.channels:
        hint = f"{name!r} applies to {list(kind.channels)}" if kind is not None else f"kinds: {list(KINDS)}"
        raise ValueError(
            f"bad_frames entry {entry!r}; accepted: '<channel>:<kind>' with a channel the kind applies to"
            f" ({hint}), e.g. 'ticker:zero_price'"
        )
    return channel, kind


def check(entries: object) -> tuple[str, ...]:
    """A list of fault entries, each parsed (so an invalid one is refused before any is applied)."""
    if isinstance(entries, str) or not isinstance(entries, Iterable):
        example = list(ENTRIES[:2])
        raise ValueError(f"bad_frames={entries!r}; accepted: a list of '<channel>:<kind>', e.g. {example}")
    checked = tuple(entries)
    for entry in checked:
        parse(entry)
    return checked


def check_price(value: object) -> str | None:
    """``bad_frame_price``: null (the market's mid) or a positive decimal text in GMO's grammar."""
    if value is None:
        return None
    if not isinstance(value, str) or not is_number(value) or Decimal(value) <= 0:
        raise ValueError(
            f"bad_frame_price={value!r}; accepted: null or a positive decimal text like '15300000'"
        )
    return value


def bad_frame(entry: str, spec: SymbolSpec, mid: Decimal, now: datetime) -> str:
    """The text of one fault entry for ``spec``'s market around ``mid``."""
    channel, kind = parse(entry)
    return kind.make(valid_frame(channel, spec, mid, now))
