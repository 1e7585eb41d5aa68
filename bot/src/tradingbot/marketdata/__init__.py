"""Neutral market data: what a venue adapter delivers and the engine consumes.

Nothing here knows a wire format. A venue adapter (``tradingbot.venues.gmo``) decodes and validates its
frames at the boundary and hands on only these events; every number in them is already a finite, positive
``Decimal`` and every timestamp a timezone-aware UTC ``datetime``. The engine imports this package, never a
venue's decoder.
"""

from tradingbot.marketdata.events import BookLevel, MarketEvent, OrderBook, Ticker, Trade

__all__ = ["BookLevel", "MarketEvent", "OrderBook", "Ticker", "Trade"]
