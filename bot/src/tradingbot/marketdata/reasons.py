"""Why a market-data frame was refused: a fixed set, so a metric label can never be unbounded."""

from __future__ import annotations

from typing import Final

JSON: Final = "json"  # not JSON, or not a JSON object
CHANNEL: Final = "channel"  # no channel, or one we do not decode
SCHEMA: Final = "schema"  # a field missing or of the wrong JSON type
SYMBOL: Final = "symbol"  # not a symbol the bot subscribed to
NUMBER: Final = "number"  # a number outside the venue's grammar (sign, exponent, spaces, other scripts)
RANGE: Final = "range"  # zero, negative where not allowed, or beyond the sane bound
TIMESTAMP: Final = "timestamp"  # not ISO-8601 UTC
SIDE: Final = "side"  # a trade side other than BUY/SELL
UNSORTED: Final = "unsorted"  # bids not strictly descending or asks not strictly ascending
CROSSED: Final = "crossed"  # best bid >= best ask (book), bid > ask (ticker)
INTERNAL: Final = "internal"  # a bug of ours while decoding: the frame is dropped, never raised

MALFORMED_REASONS: Final = (
    JSON, CHANNEL, SCHEMA, SYMBOL, NUMBER, RANGE, TIMESTAMP, SIDE, UNSORTED, CROSSED, INTERNAL,
)  # fmt: skip
