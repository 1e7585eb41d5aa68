"""GMO Coin exchange client: the only code that knows GMO's wire format.

Modules, one noun each: errors, endpoints, auth, symbols, models, ratelimit, rest, ws, market (public data:
grammar, decode, checked, state, malformed).
"""

from tradingbot.venues.gmo.auth import Credentials, sign
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import (
    DRILL_CATEGORY,
    ErrorCategory,
    GmoError,
    InvalidOrder,
    OutcomeUnknown,
    SentRequest,
)
from tradingbot.venues.gmo.market import MarketDecoder, MarketState
from tradingbot.venues.gmo.ratelimit import RateLimits
from tradingbot.venues.gmo.rest import ClientObserver, GmoRestClient
from tradingbot.venues.gmo.symbols import SymbolRules
from tradingbot.venues.gmo.ws import PrivateStream, PublicStream, StreamState, StreamTiming, Subscription

__all__ = [
    "DRILL_CATEGORY",
    "ClientObserver",
    "Credentials",
    "ErrorCategory",
    "GmoEndpoints",
    "GmoError",
    "GmoRestClient",
    "InvalidOrder",
    "MarketDecoder",
    "MarketState",
    "OutcomeUnknown",
    "PrivateStream",
    "PublicStream",
    "RateLimits",
    "SentRequest",
    "StreamState",
    "StreamTiming",
    "Subscription",
    "SymbolRules",
    "sign",
]
