"""Risk: the seed's stop/degrade matrix and the pure helpers around it.

Everything here is pure: figures in, decisions out; no I/O and no clock (times are passed in). The
persistent halt record lives with the engine's state (:mod:`tradingbot.engine.halt`).
"""

from tradingbot.risk.daily import DailyLossWindow, daily_loss, trading_day
from tradingbot.risk.drawdown import EquityPeak, drawdown_ratio, equity
from tradingbot.risk.matrix import (
    REASON_CODES,
    RiskDecision,
    RiskFigures,
    RiskLimits,
    RiskStatus,
    evaluate,
    may_open,
    may_reduce,
    must_flatten,
    permits,
)

__all__ = [
    "REASON_CODES",
    "DailyLossWindow",
    "EquityPeak",
    "RiskDecision",
    "RiskFigures",
    "RiskLimits",
    "RiskStatus",
    "daily_loss",
    "drawdown_ratio",
    "equity",
    "evaluate",
    "may_open",
    "may_reduce",
    "must_flatten",
    "permits",
    "trading_day",
]
