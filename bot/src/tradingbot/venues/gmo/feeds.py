"""GMO as the engine's :class:`~tradingbot.exchange.MarketDataPort`: streams in, neutral events out.

The public stream decodes GMO frames (:mod:`tradingbot.venues.gmo.market`); :func:`to_neutral` turns
them into :mod:`tradingbot.marketdata` events and validates them here, at the boundary, so a bad field
costs its frame only and never raises inside the engine. Private events only poke the account.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from tradingbot.exchange.ports import FeedSink, FeedState, Malformed, RecordedFrame
from tradingbot.marketdata import BookLevel, MarketEvent, OrderBook, Ticker, Trade
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.market import (
    BookUpdate,
    ExchangeErrorFrame,
    MalformedFrame,
    MarketDecoder,
    TickerUpdate,
    TradeUpdate,
)
from tradingbot.venues.gmo.market import MarketEvent as GmoEvent
from tradingbot.venues.gmo.rest import GmoRestClient
from tradingbot.venues.gmo.tokenstore import TokenStore
from tradingbot.venues.gmo.ws import PrivateStream, PublicStream, StreamState, StreamTiming, Subscription

PRIVATE_CHANNELS = ("executionEvents", "orderEvents", "positionEvents")


def _positive(value: Decimal, what: str) -> Decimal:
    if not value > 0:
        raise MalformedFrame(f"field {what} must be > 0, got {value}")
    return value


def to_neutral(event: GmoEvent) -> MarketEvent | None:
    """The neutral, validated event of a decoded GMO event (None for an exchange error frame).

    Raises :class:`MalformedFrame` when a field is unusable (the decoder reads fields lazily).
    """
    if isinstance(event, TickerUpdate):
        bid, ask = _positive(event.bid, "bid"), _positive(event.ask, "ask")
        if bid > ask:
            raise MalformedFrame(f"ticker bid {bid} above ask {ask}")
        return Ticker(event.symbol, bid, ask, _positive(event.last, "last"), event.volume, event.timestamp)
    if isinstance(event, BookUpdate):
        bids = tuple(BookLevel(p, s) for p, s in event.bids())
        asks = tuple(BookLevel(p, s) for p, s in event.asks())
        if bids and asks and bids[0].price >= asks[0].price:
            raise MalformedFrame(f"crossed book: bid {bids[0].price} >= ask {asks[0].price}")
        return OrderBook(event.symbol, bids, asks, event.timestamp)
    if isinstance(event, TradeUpdate):
        side = event.side
        if side not in ("BUY", "SELL"):
            raise MalformedFrame(f"trade side must be BUY or SELL, got {side!r}")
        return Trade(event.symbol, _positive(event.price, "price"), event.size, side, event.timestamp)
    if isinstance(event, ExchangeErrorFrame):
        return None
    raise MalformedFrame(f"unknown event {event!r}")


def recorded(lines: Iterable[str]) -> Iterator[RecordedFrame]:
    """Recorded public frames (JSONL, one frame a line, blank lines skipped) as neutral frames."""
    decoder = MarketDecoder()
    for line in lines:
        if not line.strip():
            continue
        try:
            yield to_neutral(decoder.decode(line))
        except MalformedFrame as exc:
            yield Malformed(str(exc)[:120])


class _Observer:
    """The streams' ``StreamObserver``: dropped frames go to the sink; reconnects come as states."""

    def __init__(self, sink: FeedSink) -> None:
        self._sink = sink

    def on_malformed_frame(self, stream: str) -> None:
        self._sink.on_malformed(stream)

    def on_reconnect(self, stream: str) -> None:
        return None


class GmoMarketData:
    """The public ticker stream of one symbol and the private account streams, as a MarketDataPort."""

    def __init__(
        self,
        client: GmoRestClient,
        endpoints: GmoEndpoints,
        symbol: str,
        *,
        public_timing: StreamTiming | None = None,
        token_store: TokenStore | None = None,
        on_token_renewal: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.endpoints = endpoints
        self.symbol = symbol
        self.public_timing = public_timing
        self.token_store = token_store
        self.on_token_renewal = on_token_renewal

    async def run(self, sink: FeedSink) -> None:
        observer = _Observer(sink)

        def state_of(name: str) -> Callable[[StreamState], None]:
            return lambda state: sink.on_feed_state(name, FeedState(state.value))

        def on_public(event: GmoEvent) -> None:
            try:
                neutral = to_neutral(event)
            except MalformedFrame:
                sink.on_malformed("public")
                return
            if neutral is not None:
                sink.on_market(neutral)

        # Without a timing of ours, PublicStream keeps its own default (tests patch that default).
        make_public = (
            PublicStream
            if self.public_timing is None
            else functools.partial(PublicStream, timing=self.public_timing)
        )
        public = make_public(
            self.endpoints.public_ws, [Subscription("ticker", self.symbol)],
            on_state=state_of("public"), on_event=on_public, observer=observer,
        )  # fmt: skip
        private = PrivateStream(
            self.client, self.endpoints.private_ws, list(PRIVATE_CHANNELS),
            on_state=state_of("private"), on_event=lambda _: sink.on_account_event(), observer=observer,
            token_store=self.token_store, on_token_renewal=self.on_token_renewal,
        )  # fmt: skip
        await asyncio.gather(public.run(), private.run())
