"""Public market data as GMO's REST/WebSocket payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tradingbot.sim.book import Level, Market, Trade
from tradingbot.sim.wire import num, ts


def level_view(levels: list[Level]) -> list[dict[str, str]]:
    return [{"price": num(lv.price), "size": num(lv.size)} for lv in levels]


def ticker_view(market: Market, now: datetime) -> dict[str, Any]:
    return {
        "ask": num(market.best_ask),
        "bid": num(market.best_bid),
        "high": num(market.high),
        "last": num(market.last),
        "low": num(market.low),
        "symbol": market.symbol,
        "timestamp": ts(now),
        "volume": num(market.volume),
    }


def trade_view(trade: Trade) -> dict[str, Any]:
    return {
        "price": num(trade.price),
        "side": trade.side,
        "size": num(trade.size),
        "timestamp": ts(trade.timestamp),
    }
