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
from tradingbot.risk.price_guard import (
    TRIP_REASONS,
    GuardState,
    GuardStatus,
    PriceGuard,
    PriceGuardSettings,
    Verdict,
)

__all__ = [
    "REASON_CODES",
    "TRIP_REASONS",
    "DailyLossWindow",
    "EquityPeak",
    "GuardState",
    "GuardStatus",
    "PriceGuard",
    "PriceGuardSettings",
    "RiskDecision",
    "RiskFigures",
    "RiskLimits",
    "RiskStatus",
    "Verdict",
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
