"""Public market data of GMO: the decoder (``decode``, ``checked``, ``grammar``) and the typed ``state``.

The events are the neutral ones of ``tradingbot.marketdata``. ``TickerUpdate``, ``BookUpdate`` and
``TradeUpdate`` remain as aliases of them until the engine imports ``tradingbot.marketdata`` directly.
"""

from __future__ import annotations

from tradingbot.marketdata import MarketEvent, OrderBook, Ticker, Trade
from tradingbot.venues.gmo.checked import ExchangeErrorFrame
from tradingbot.venues.gmo.decode import MalformedFrame, MarketDecoder
from tradingbot.venues.gmo.state import MarketState

TickerUpdate = Ticker
BookUpdate = OrderBook
TradeUpdate = Trade

__all__ = [
    "BookUpdate",
    "ExchangeErrorFrame",
    "MalformedFrame",
    "MarketDecoder",
    "MarketEvent",
    "MarketState",
    "TickerUpdate",
    "TradeUpdate",
]
