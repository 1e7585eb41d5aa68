"""The seed's stop/degrade matrix (ops guide, "停止/縮退条件マトリクス").

| risk condition                              | status   | reason_code                  |
|---------------------------------------------|----------|------------------------------|
| current_drawdown > max_drawdown             | abort    | max_drawdown_exceeded        |
| current_daily_loss > daily_loss_limit       | degraded | daily_loss_limit_exceeded    |
| current_position_size > max_position_size   | degraded | max_position_size_exceeded   |
| current_trade_loss > max_trade_loss         | abort    | max_trade_loss_exceeded      |
| current_leverage > max_leverage             | degraded | max_leverage_exceeded        |
| current_wallet_drift > max_wallet_drift     | degraded | wallet_drift_exceeded        |

Comparisons are strict (a figure equal to its limit is not exceeded). When several rows fire, ``abort``
wins and every fired reason is reported, in the table's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class RiskStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    ABORT = "abort"


_Positive = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class RiskLimits(BaseModel):
    """Configured limits; also the nested ``risk`` model of the settings (``TRADINGBOT_RISK__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_drawdown: _Positive = Decimal("0.10")
    """Ratio of the equity peak (0.10 = 10 %)."""
    daily_loss_limit: _Positive = Decimal("50000")
    """JPY lost since the trading day's start (equity based)."""
    max_position_size: _Positive = Decimal("0.05")
    """Base units (e.g. BTC) of the absolute net position."""
    max_trade_loss: _Positive = Decimal("20000")
    """JPY lost on a single trade (open or closed)."""
    max_leverage: _Positive = Decimal("2")
    """Position notional / equity."""
    max_wallet_drift: _Positive = Decimal("1000")
    """JPY difference between the locally tracked and the exchange-reported balance."""


@dataclass(frozen=True, slots=True)
class RiskFigures:
    """Current figures, all non-negative magnitudes (a loss is a positive number)."""

    current_drawdown: Decimal = Decimal(0)
    current_daily_loss: Decimal = Decimal(0)
    current_position_size: Decimal = Decimal(0)
    current_trade_loss: Decimal = Decimal(0)
    current_leverage: Decimal = Decimal(0)
    current_wallet_drift: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class RiskDecision:
    status: RiskStatus
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Row:
    figure: str
    limit: str
    status: RiskStatus
    reason: str


_MATRIX: tuple[_Row, ...] = (
    _Row("current_drawdown", "max_drawdown", RiskStatus.ABORT, "max_drawdown_exceeded"),
    _Row("current_daily_loss", "daily_loss_limit", RiskStatus.DEGRADED, "daily_loss_limit_exceeded"),
    _Row("current_position_size", "max_position_size", RiskStatus.DEGRADED, "max_position_size_exceeded"),
    _Row("current_trade_loss", "max_trade_loss", RiskStatus.ABORT, "max_trade_loss_exceeded"),
    _Row("current_leverage", "max_leverage", RiskStatus.DEGRADED, "max_leverage_exceeded"),
    _Row("current_wallet_drift", "max_wallet_drift", RiskStatus.DEGRADED, "wallet_drift_exceeded"),
)

REASON_CODES: tuple[str, ...] = tuple(row.reason for row in _MATRIX)
"""Every reason code, in the matrix's order."""

_SEVERITY = {RiskStatus.OK: 0, RiskStatus.DEGRADED: 1, RiskStatus.ABORT: 2}


def evaluate(figures: RiskFigures, limits: RiskLimits) -> RiskDecision:
    status = RiskStatus.OK
    reasons: list[str] = []
    for row in _MATRIX:
        value: Decimal = getattr(figures, row.figure)
        limit: Decimal = getattr(limits, row.limit)
        if value > limit:
            reasons.append(row.reason)
            if _SEVERITY[row.status] > _SEVERITY[status]:
                status = row.status
    return RiskDecision(status=status, reasons=tuple(reasons))


def may_open(status: RiskStatus) -> bool:
    """New exposure (an order that grows the absolute position) is allowed only when ok."""
    return status is RiskStatus.OK


def may_reduce(status: RiskStatus) -> bool:
    """Orders that only shrink the position: allowed when ok or degraded.

    Under abort the engine does not place discretionary orders at all; it flattens through its own
    path (see :func:`must_flatten`) and stays halted.
    """
    return status is not RiskStatus.ABORT


def must_flatten(status: RiskStatus) -> bool:
    return status is RiskStatus.ABORT


def permits(status: RiskStatus, *, reduces: bool, price_trusted: bool = True, paused: bool = False) -> bool:
    """The one risk gate for a discretionary order.

    Opening: only when the status is ok, the market price is trusted (the price guard,
    :mod:`tradingbot.risk.price_guard`) and the operator has not paused the bot (``tradingbot pause``).
    Reducing: also when degraded, unconfirmed or paused; it follows the status alone, since making the
    position smaller needs no believable price and is what a paused bot may still do.
    """
    if reduces:
        return may_reduce(status)
    return may_open(status) and price_trusted and not paused
