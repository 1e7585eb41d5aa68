"""Neutral exchange records and the ports between the engine and a venue (see :mod:`.ports`)."""

from tradingbot.exchange.ports import (
    ExchangePort,
    ExchangeRejectedError,
    ExExecution,
    ExMargin,
    ExOrder,
    ExPosition,
    FeedSink,
    FeedState,
    Malformed,
    MarketDataPort,
    OrderRules,
    RecordedFrame,
    SendOutcomeUnknownError,
)

__all__ = [
    "ExExecution",
    "ExMargin",
    "ExOrder",
    "ExPosition",
    "ExchangePort",
    "ExchangeRejectedError",
    "FeedSink",
    "FeedState",
    "Malformed",
    "MarketDataPort",
    "OrderRules",
    "RecordedFrame",
    "SendOutcomeUnknownError",
]
