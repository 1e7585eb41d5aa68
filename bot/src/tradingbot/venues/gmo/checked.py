"""The checked decode path: a public frame, as orjson's dicts, validated field by field with Decimals.

This is the authority. The fast path (``decode.py``) accepts only what it can prove this path accepts with
the same event, and hands every other frame here, which either builds the event (an unusual but valid
frame: keys reordered, an empty book side, ``"007"``) or names the reason it is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from itertools import pairwise
from typing import Any

import orjson

from tradingbot.marketdata import BookLevel, OrderBook, Ticker, Trade, reasons
from tradingbot.venues.gmo import grammar
from tradingbot.venues.gmo.grammar import Refused


class ExchangeErrorFrame:
    """`{"error": "ERR-5003 Request too many."}`: the server refused something we sent on the stream."""

    __slots__ = ("message",)
    channel = "error"

    def __init__(self, message: str) -> None:
        self.message = message

    @property
    def code(self) -> str:
        return self.message.split(" ", 1)[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExchangeErrorFrame) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        return f"ExchangeErrorFrame({self.message!r})"


def _ticker(raw: dict[str, Any], subscribed: Container[str]) -> Ticker:
    symbol = grammar.symbol(raw, subscribed)
    stamp = grammar.timestamp(raw)
    bid, ask = grammar.price(raw, "bid"), grammar.price(raw, "ask")
    last, volume = grammar.price(raw, "last"), grammar.size(raw, "volume", zero_ok=True)
    if bid > ask:
        raise Refused(reasons.CROSSED, f"ticker bid {bid} > ask {ask}")
    return Ticker(symbol, bid, ask, last, volume, stamp)


def _side(levels: object, name: str) -> tuple[BookLevel, ...]:
    if levels.__class__ is not list:
        raise Refused(reasons.SCHEMA, f"{name} is not a list")
    out = []
    for level in levels:
        if level.__class__ is not dict:
            raise Refused(reasons.SCHEMA, f"a level of {name} is not an object")
        out.append(BookLevel(grammar.price(level, "price"), grammar.size(level, "size")))
    return tuple(out)


def _book(raw: dict[str, Any], subscribed: Container[str]) -> OrderBook:
    symbol = grammar.symbol(raw, subscribed)
    stamp = grammar.timestamp(raw)
    if "asks" not in raw or "bids" not in raw:
        raise Refused(reasons.SCHEMA, "no asks or bids")
    asks, bids = _side(raw["asks"], "asks"), _side(raw["bids"], "bids")
    for better, worse in pairwise(asks):
        if not better.price < worse.price:
            raise Refused(reasons.UNSORTED, f"asks not ascending at {worse.price}")
    for better, worse in pairwise(bids):
        if not better.price > worse.price:
            raise Refused(reasons.UNSORTED, f"bids not descending at {worse.price}")
    if asks and bids and not bids[0].price < asks[0].price:
        raise Refused(reasons.CROSSED, f"best bid {bids[0].price} >= best ask {asks[0].price}")
    return OrderBook(symbol, bids, asks, stamp)


def _trade(raw: dict[str, Any], subscribed: Container[str]) -> Trade:
    symbol = grammar.symbol(raw, subscribed)
    stamp = grammar.timestamp(raw)
    price, size = grammar.price(raw, "price"), grammar.size(raw, "size")
    side = raw.get("side")
    # A non-string (a list, a dict) must be refused, not hashed against the set: unhashable raises.
    if not isinstance(side, str) or side not in grammar.SIDES:
        raise Refused(reasons.SIDE if "side" in raw else reasons.SCHEMA, f"side {side!r:.20}")
    return Trade(symbol, price, size, side, stamp)


CHANNELS: dict[str, Callable[[dict[str, Any], Container[str]], Ticker | OrderBook | Trade]] = {
    "ticker": _ticker,
    "orderbooks": _book,
    "trades": _trade,
}


def decode_checked(
    frame: str | bytes, subscribed: Container[str]
) -> Ticker | OrderBook | Trade | ExchangeErrorFrame:
    """The event a frame carries; raises ``Refused`` (with the reason) for anything else."""
    try:
        raw = orjson.loads(frame)
    except orjson.JSONDecodeError:
        raise Refused(reasons.JSON, "not JSON") from None
    if raw.__class__ is not dict:
        raise Refused(reasons.JSON, "not a JSON object")
    channel = raw.get("channel")
    if channel is None and isinstance(raw.get("error"), str):
        return ExchangeErrorFrame(raw["error"])
    handler = CHANNELS.get(channel) if channel.__class__ is str else None
    if handler is None:
        raise Refused(reasons.CHANNEL, f"channel {channel!r:.40}")
    return handler(raw, subscribed)
