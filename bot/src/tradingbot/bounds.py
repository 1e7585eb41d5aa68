"""Bounds that follow from what a setting means, beyond "a positive number".

A drawdown limit is a fraction of the equity peak, so ``5`` (500 %) would switch the abort off; GMO lets a
leverage account use at most 2x; an order size must be a size GMO accepts for the symbol. Pure decisions:
each check returns the problem as text (naming the variable, the value and the accepted range) or None.

The order rules below are the published rules of GMO's leverage symbols, used to refuse a bad size before
anything starts; at start-up the bot checks the size again against the rules the venue serves
(``GET /public/v1/symbols``), which win.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

GMO_MAX_LEVERAGE = Decimal("2")


@dataclass(frozen=True)
class Range:
    """An interval of accepted values with its meaning, for checks and for messages."""

    low: Decimal
    high: Decimal | None
    high_inclusive: bool
    meaning: str

    def contains(self, value: Decimal) -> bool:
        if value <= self.low:
            return False
        if self.high is None:
            return True
        return value <= self.high if self.high_inclusive else value < self.high

    def text(self) -> str:
        if self.high is None:
            return f"{self.low} < x"
        return f"{self.low} < x {'<=' if self.high_inclusive else '<'} {self.high}"


# Keyed by the field of :class:`tradingbot.risk.RiskLimits` (environment TRADINGBOT_RISK__<FIELD>).
RISK_RANGES: Mapping[str, Range] = {
    "max_drawdown": Range(Decimal(0), Decimal(1), False, "a fraction of the equity peak: 0.10 = 10 %"),
    "daily_loss_limit": Range(Decimal(0), None, False, "JPY lost since the trading day's start"),
    "max_position_size": Range(Decimal(0), None, False, "base units (e.g. BTC) of the net position"),
    "max_trade_loss": Range(Decimal(0), None, False, "JPY lost on one trade"),
    "max_leverage": Range(
        Decimal(0),
        GMO_MAX_LEVERAGE,
        True,
        f"position notional / equity; GMO allows at most {GMO_MAX_LEVERAGE}x",
    ),
    "max_wallet_drift": Range(Decimal(0), None, False, "JPY between the local and the exchange balance"),
}


def risk_env_name(field: str) -> str:
    return f"TRADINGBOT_RISK__{field.upper()}"


def accepted_risk(field: str) -> str:
    bound = RISK_RANGES[field]
    return f"accepted: {bound.text()} ({bound.meaning})"


def risk_problem(field: str, value: Decimal, typed: object = None) -> str | None:
    """``typed``: the value as given (``1e9``), shown instead of the parsed ``1E+9`` when known."""
    bound = RISK_RANGES.get(field)
    if bound is None or bound.contains(value):
        return None
    shown = typed if isinstance(typed, str) else value
    return f"{risk_env_name(field)}={shown} is out of range; {accepted_risk(field)}"


@dataclass(frozen=True)
class OrderRules:
    min_size: Decimal
    max_size: Decimal
    step: Decimal

    def text(self) -> str:
        return f"{self.min_size}..{self.max_size} in steps of {self.step}"


# GMO's leverage symbols (minOrderSize, maxOrderSize, sizeStep), the same rules the simulator serves.
KNOWN_ORDER_RULES: Mapping[str, OrderRules] = {
    "BTC_JPY": OrderRules(Decimal("0.01"), Decimal("5"), Decimal("0.01")),
    "ETH_JPY": OrderRules(Decimal("0.1"), Decimal("50"), Decimal("0.1")),
    "XRP_JPY": OrderRules(Decimal("10"), Decimal("100000"), Decimal("10")),
}

ORDER_SIZE_ENV = "TRADINGBOT_STRATEGY__ORDER_SIZE"


def order_size_problem(symbol: str, size: Decimal, rules: OrderRules, source: str) -> str | None:
    """``source`` says whose rules these are (``GMO's published rules``, ``the venue's symbols``)."""
    if rules.min_size <= size <= rules.max_size and size % rules.step == 0:
        return None
    if size < rules.min_size:
        why = f"below {symbol}'s minimum order size {rules.min_size}"
    elif size > rules.max_size:
        why = f"above {symbol}'s maximum order size {rules.max_size}"
    else:
        why = f"not a multiple of {symbol}'s size step {rules.step}"
    return f"{ORDER_SIZE_ENV}={size} is {why} ({source}); accepted: {rules.text()}"


def static_order_size_problem(symbol: str, size: Decimal) -> str | None:
    """Against :data:`KNOWN_ORDER_RULES`; a symbol without known rules is checked at start-up only."""
    rules = KNOWN_ORDER_RULES.get(symbol)
    return None if rules is None else order_size_problem(symbol, size, rules, "GMO's published rules")


class VenueRules(Protocol):
    """The part of the venue's symbol rules (``GET /public/v1/symbols``) the size check reads."""

    @property
    def min_order_size(self) -> Decimal: ...
    @property
    def max_order_size(self) -> Decimal: ...
    @property
    def size_step(self) -> Decimal: ...


def venue_order_size_problem(symbol: str, size: Decimal, rules: VenueRules) -> str | None:
    """At start-up, against the rules the venue serves (they win over :data:`KNOWN_ORDER_RULES`)."""
    served = OrderRules(rules.min_order_size, rules.max_order_size, rules.size_step)
    return order_size_problem(symbol, size, served, "the venue's symbol rules")
