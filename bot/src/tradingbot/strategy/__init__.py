"""Strategies: a small interface and the moving-average crossover."""

from tradingbot.strategy.base import Action, Decision, MarketView, Side, Strategy
from tradingbot.strategy.ma_cross import MaCrossParams, MaCrossStrategy, rebalance

__all__ = [
    "Action",
    "Decision",
    "MaCrossParams",
    "MaCrossStrategy",
    "MarketView",
    "Side",
    "Strategy",
    "rebalance",
]
