"""Neutral market data: what a venue adapter delivers and the engine consumes.

Nothing here knows a wire format. A venue adapter (``tradingbot.venues.gmo``) decodes and validates its
frames eagerly at the boundary and hands on only these events: every price is a finite ``Decimal`` > 0
(below the adapter's sane bound), every size > 0 (a ticker's 24 h volume >= 0), every timestamp a
timezone-aware UTC ``datetime``, every symbol one the bot subscribed to; books are sorted (bids descending,
asks ascending) and uncrossed, a ticker's bid <= ask. The engine imports this package, never a venue's
decoder. A refused frame is counted under one of ``MALFORMED_REASONS``.
"""

from tradingbot.marketdata.events import BookLevel, MarketEvent, OrderBook, Ticker, Trade
from tradingbot.marketdata.reasons import MALFORMED_REASONS

__all__ = ["MALFORMED_REASONS", "BookLevel", "MarketEvent", "OrderBook", "Ticker", "Trade"]
