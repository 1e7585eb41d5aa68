"""GMO's number grammar for request fields: ASCII digits with at most one ``.``, nothing else.

``Decimal()`` and ``str.isdigit()`` accept far more than GMO does: fullwidth ``"１２３"``, Arabic-Indic
digits, superscripts, signs, exponents, padding whitespace, ``"NaN"``. A simulator that accepts them
would let a client bug pass every test and fail on the real exchange, so every numeric request field
and ``API-TIMESTAMP`` is checked against the plain grammar below before anything reads its value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from tradingbot.sim.exchange import ExchangeError

# `[0-9]` is the ASCII range only (unlike `\d`, which matches every Unicode decimal digit).
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")
# Longer than any price, size or id GMO uses; bounds the work a hostile request can cause.
MAX_NUMBER_CHARS = 40

# Request fields GMO documents as decimal strings, and those it documents as integer ids or counts.
DECIMAL_FIELDS = ("size", "price", "losscutPrice")
INTEGER_FIELDS = ("orderId", "executionId", "positionId", "page", "count")
ACCEPTED = 'ASCII digits with at most one "." between digits, e.g. "0.01" or "15000000"'


def is_number(text: str) -> bool:
    """True when `text` is a GMO decimal: ``123``, ``0.01``; never a sign, exponent or other script."""
    return len(text) <= MAX_NUMBER_CHARS and _NUMBER.fullmatch(text) is not None


def is_integer(text: str) -> bool:
    """True when `text` is ASCII digits only (an id, a page, a millisecond timestamp)."""
    return len(text) <= MAX_NUMBER_CHARS and _INTEGER.fullmatch(text) is not None


def _refuse(name: str, raw: Any, what: str) -> ExchangeError:
    return ExchangeError("ERR-5106", f"{name}={raw!r} is not {what}; accepted: {ACCEPTED}")


def check_decimal(name: str, raw: Any) -> None:
    """Raise ERR-5106 unless `raw` is absent or a string in GMO's decimal grammar."""
    if raw is None:
        return
    if not isinstance(raw, str) or not is_number(raw):
        raise _refuse(name, raw, 'a decimal string such as "0.01"')


def check_integer(name: str, raw: Any) -> None:
    """Raise ERR-5106 unless `raw` is absent, a JSON integer >= 0 or a string of ASCII digits."""
    if raw is None or (isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0):
        return
    if not isinstance(raw, str):
        raise _refuse(name, raw, "an integer")
    # Lists of ids travel comma-separated in query strings (orderId=1,2,3).
    if not all(is_integer(part) for part in raw.split(",")):
        raise _refuse(name, raw, "an integer or comma-separated integers")


def parse_decimal(name: str, raw: Any) -> Decimal:
    check_decimal(name, raw)
    if raw is None:
        raise ExchangeError("ERR-5106", f"{name} is required")
    return Decimal(raw)


def check_params(params: Mapping[str, Any]) -> None:
    """Check every numeric field of a request (including settlePosition entries) before it is used."""
    for name in DECIMAL_FIELDS:
        check_decimal(name, params.get(name))
    for name in INTEGER_FIELDS:
        check_integer(name, params.get(name))
    ids = params.get("orderIds")
    if isinstance(ids, list):
        for value in ids:
            check_integer("orderIds", value)
    settle = params.get("settlePosition")
    if isinstance(settle, list):
        for item in settle:
            if isinstance(item, Mapping):
                check_decimal("settlePosition.size", item.get("size"))
                check_integer("settlePosition.positionId", item.get("positionId"))


R = TypeVar("R")


def guarded(route: Callable[..., R]) -> Callable[..., R]:
    """Wrap a route ``(…, params)`` so its numeric fields are checked before the route runs."""

    def run(*args: Any) -> R:
        check_params(args[-1])
        return route(*args)

    return run
