"""What every delivered market event must satisfy, and the differential verdict against the reference."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradingbot.marketdata import OrderBook, Ticker, Trade
from tradingbot.venues.gmo.checked import ExchangeErrorFrame
from tradingbot.venues.gmo.market import MalformedFrame, MarketDecoder

from tests.unit.venues.market_reference import CEILING, event_content, is_gmo_number, reference


def _number(value: object, *, zero_ok: bool = False) -> None:
    assert type(value) is Decimal, value
    assert is_gmo_number(format(value, "f")), value  # the grammar, checked by the independent reference
    assert value >= 0 if zero_ok else value > 0, value
    assert value < CEILING, value


def assert_valid_event(event: object, subscribed: tuple[str, ...]) -> None:
    """The package guarantees of ``tradingbot.marketdata``, checked field by field."""
    if isinstance(event, ExchangeErrorFrame):
        return
    assert isinstance(event, Ticker | OrderBook | Trade), event
    assert event.symbol in subscribed
    offset = event.timestamp.utcoffset()
    assert offset is not None
    assert not offset
    if isinstance(event, Ticker):
        for value in (event.bid, event.ask, event.last):
            _number(value)
        _number(event.volume, zero_ok=True)
        assert event.bid <= event.ask
    elif isinstance(event, Trade):
        _number(event.price)
        _number(event.size)
        assert event.side in ("BUY", "SELL")
    else:
        for level in (*event.bids, *event.asks):
            _number(level.price)
            _number(level.size)
        bids, asks = [lv.price for lv in event.bids], [lv.price for lv in event.asks]
        assert bids == sorted(set(bids), reverse=True)
        assert asks == sorted(set(asks))
        if bids and asks:
            assert bids[0] < asks[0]
        assert (event.best_bid, event.best_ask) == (bids[0] if bids else None, asks[0] if asks else None)


def verdict(decoder: MarketDecoder, frame: bytes | str) -> tuple[Any, Any]:
    """(product, reference): both ``None`` for a refused frame, else the decoded content."""
    try:
        event = decoder.decode(frame)
    except MalformedFrame:
        product = None
    else:
        product = "error-frame" if isinstance(event, ExchangeErrorFrame) else event_content(event)
    expected = reference(frame, set(decoder.symbols or ()))
    if product == "error-frame":
        expected = "error-frame" if expected is None else expected
    return product, expected
