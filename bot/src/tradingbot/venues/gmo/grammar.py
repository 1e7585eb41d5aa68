"""GMO's public-data value grammar, exactly: the one authority the fast and the checked decode paths share.

GMO sends every number as a JSON string of ASCII digits with at most one ``.`` between digits (``"15000000"``,
``"0.0015"``). ``Decimal()`` accepts far more (``"-0"``, ``" 1"``, ``"1e-30"``, ``"NaN"``, ``"1_0"``,
fullwidth ``"１２３"``, Arabic-Indic digits): every one of those is refused here, before a Decimal exists.
"""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

import msgspec

from tradingbot.marketdata import reasons

NUMBER_RE: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")
"""The grammar. ``[0-9]`` (not ``\\d``, which matches every script's digits); used with ``fullmatch``."""

is_number = NUMBER_RE.fullmatch
_N = NUMBER_RE.pattern
are_numbers_2 = re.compile(rf"{_N}\|{_N}").fullmatch
"""Two numbers joined by ``|`` in one regex call (``|`` is outside the grammar, so the split is exact)."""
are_numbers_4 = re.compile(rf"{_N}\|{_N}\|{_N}\|{_N}").fullmatch

PRICE_CEILING: Final = Decimal(10**12)
"""No GMO price comes near 1e12 JPY (BTC_JPY is ~1.5e7): anything at or above it is a broken frame."""
SIZE_CEILING: Final = Decimal(10**12)
SIDES: Final = frozenset({"BUY", "SELL"})


class Refused(Exception):  # noqa: N818 - a verdict on a frame, carried to the decoder's single catch
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def number(raw: dict[str, object], key: str) -> Decimal:
    """``raw[key]`` as a Decimal, if it is a string in the grammar (no range check)."""
    if key not in raw:
        raise Refused(reasons.SCHEMA, f"no field {key!r}")
    text = raw[key]
    if text.__class__ is not str or not is_number(text):
        raise Refused(reasons.NUMBER, f"field {key!r} is not a GMO number: {text!r:.40}")
    return Decimal(text)


def price(raw: dict[str, object], key: str) -> Decimal:
    value = number(raw, key)
    if not 0 < value < PRICE_CEILING:
        raise Refused(reasons.RANGE, f"price {key!r} not in (0, {PRICE_CEILING}): {value}")
    return value


def size(raw: dict[str, object], key: str, *, zero_ok: bool = False) -> Decimal:
    value = number(raw, key)
    if not (value >= 0 if zero_ok else value > 0) or value >= SIZE_CEILING:
        raise Refused(reasons.RANGE, f"size {key!r} out of range: {value}")
    return value


_parse_datetime = msgspec.json.Decoder(datetime).decode


def timestamp(raw: dict[str, object]) -> datetime:
    """RFC 3339 / ISO-8601 with a zero UTC offset (GMO: ``2018-03-30T12:34:56.789Z``), ASCII digits only.

    The parser is msgspec's, the one the fast path uses, so both paths accept exactly the same texts.
    """
    text = raw.get("timestamp")
    if text.__class__ is not str:
        raise Refused(reasons.TIMESTAMP if "timestamp" in raw else reasons.SCHEMA, "timestamp not a string")
    try:
        value = _parse_datetime(msgspec.json.encode(text))
    except msgspec.DecodeError:
        raise Refused(reasons.TIMESTAMP, f"not ISO-8601: {text!r:.40}") from None
    if value.tzinfo is not UTC:
        raise Refused(reasons.TIMESTAMP, f"not UTC: {text!r:.40}")
    return value


class AnyGmoSymbol:
    """Without a subscription list (offline replay), a symbol must at least look like GMO's."""

    _shape = re.compile(r"[A-Z][A-Z0-9_]{0,19}").fullmatch

    def __contains__(self, value: object) -> bool:
        return value.__class__ is str and self._shape(value) is not None


ANY_GMO_SYMBOL: Final = AnyGmoSymbol()


def symbol(raw: dict[str, object], subscribed: Container[str]) -> str:
    if "symbol" not in raw:
        raise Refused(reasons.SCHEMA, "no field 'symbol'")
    value = raw["symbol"]
    if value.__class__ is not str or value not in subscribed:
        raise Refused(reasons.SYMBOL, f"not a subscribed symbol: {value!r:.40}")
    return value
