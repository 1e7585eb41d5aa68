"""An independent, deliberately plain reference of GMO's public-frame rules, for differential tests.

Written from the rules in the issue, not from the product code: a character loop for the number grammar and
a dict walk (json module, not orjson/msgspec) for frames. Slow and obvious on purpose.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

ASCII_DIGITS = "0123456789"
CEILING = Decimal(10**12)


def is_gmo_number(text: object) -> bool:
    """ASCII digits, optionally one '.' with at least one digit on each side. Nothing else."""
    if not isinstance(text, str) or text == "":
        return False
    dots = 0
    for position, char in enumerate(text):
        if char == ".":
            dots += 1
            if dots > 1 or position == 0 or position == len(text) - 1:
                return False
        elif char not in ASCII_DIGITS:
            return False
    return True


class Bad(Exception):  # noqa: N818 - a verdict, local to this module
    pass


def _num(raw: dict[str, Any], key: str, *, zero_ok: bool = False) -> Decimal:
    if key not in raw or not is_gmo_number(raw[key]):
        raise Bad(key)
    value = Decimal(raw[key])
    low_ok = value >= 0 if zero_ok else value > 0
    if not low_ok or value >= CEILING:
        raise Bad(key)
    return value


_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-]00:00)"
)


def _ts(raw: dict[str, Any]) -> datetime:
    text = raw.get("timestamp")
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        raise Bad("timestamp")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Bad("timestamp") from None
    if value.tzinfo is None or value.utcoffset() != UTC.utcoffset(None):
        raise Bad("timestamp")
    return value


def reference(frame: str | bytes, symbols: set[str]) -> dict[str, Any] | None:
    """The frame's content as plain Decimals, or None when any rule is broken (or it is not market data)."""
    try:
        raw = json.loads(frame)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("symbol"), str) or raw["symbol"] not in symbols:
        return None
    try:
        at = _ts(raw)
        if raw.get("channel") == "ticker":
            out = {k: _num(raw, k) for k in ("bid", "ask", "last")}
            out["volume"] = _num(raw, "volume", zero_ok=True)
            if out["bid"] > out["ask"]:
                return None
        elif raw.get("channel") == "trades":
            out = {"price": _num(raw, "price"), "size": _num(raw, "size"), "side": raw.get("side")}
            if out["side"] not in ("BUY", "SELL"):
                return None
        elif raw.get("channel") == "orderbooks":
            out = {}
            for side in ("bids", "asks"):
                levels = raw.get(side)
                if not isinstance(levels, list) or not all(isinstance(level, dict) for level in levels):
                    return None
                out[side] = [(_num(level, "price"), _num(level, "size")) for level in levels]
            bid_prices = [p for p, _ in out["bids"]]
            ask_prices = [p for p, _ in out["asks"]]
            for i in range(1, len(bid_prices)):
                if not bid_prices[i - 1] > bid_prices[i]:
                    return None
            for i in range(1, len(ask_prices)):
                if not ask_prices[i - 1] < ask_prices[i]:
                    return None
            if bid_prices and ask_prices and not bid_prices[0] < ask_prices[0]:
                return None
        else:
            return None
    except Bad:
        return None
    out["channel"] = raw["channel"]
    out["symbol"] = raw["symbol"]
    out["timestamp"] = at
    return out


def event_content(event: Any) -> dict[str, Any]:
    """The same shape from a decoded event, to compare with ``reference``."""
    name = type(event).__name__
    if name == "Ticker":
        out: dict[str, Any] = {"channel": "ticker", "bid": event.bid, "ask": event.ask, "last": event.last,
                               "volume": event.volume}  # fmt: skip
    elif name == "Trade":
        out = {"channel": "trades", "price": event.price, "size": event.size, "side": event.side}
    else:
        out = {
            "channel": "orderbooks",
            "bids": [(level.price, level.size) for level in event.bids],
            "asks": [(level.price, level.size) for level in event.asks],
        }
    out["symbol"] = event.symbol
    out["timestamp"] = event.timestamp
    return out
