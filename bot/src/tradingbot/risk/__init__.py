"""Risk: the seed's stop/degrade matrix and the pure helpers around it.

Everything here except :mod:`tradingbot.risk.halt` is pure: figures in, decisions out.
"""

from tradingbot.risk.daily import DailyLossWindow, daily_loss, trading_day
from tradingbot.risk.drawdown import EquityPeak, drawdown_ratio, equity
from tradingbot.risk.halt import HaltState, HaltStore
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
)

__all__ = [
    "REASON_CODES",
    "DailyLossWindow",
    "EquityPeak",
    "HaltState",
    "HaltStore",
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
    "trading_day",
]
