"""Strategies: a small interface and the moving-average crossover."""

from tradingbot.strategy.base import Decision, MarketView, Strategy
from tradingbot.strategy.ma_cross import MaCrossParams, MaCrossStrategy, rebalance

__all__ = ["Decision", "MaCrossParams", "MaCrossStrategy", "MarketView", "Strategy", "rebalance"]
