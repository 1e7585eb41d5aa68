"""Public market data of GMO: the decoder (``decode``, ``checked``, ``grammar``) and the typed ``state``.

The events are the neutral ones of ``tradingbot.marketdata``; this module only gathers the GMO side.
"""

from __future__ import annotations

from tradingbot.marketdata import MarketEvent
from tradingbot.venues.gmo.checked import ExchangeErrorFrame
from tradingbot.venues.gmo.decode import MalformedFrame, MarketDecoder
from tradingbot.venues.gmo.state import MarketState

__all__ = [
    "ExchangeErrorFrame",
    "MalformedFrame",
    "MarketDecoder",
    "MarketEvent",
    "MarketState",
]
