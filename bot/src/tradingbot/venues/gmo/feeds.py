"""GMO as the engine's :class:`~tradingbot.exchange.MarketDataPort`: streams in, neutral events out.

The public stream decodes and validates GMO frames at the boundary (:mod:`tradingbot.venues.gmo.decode`)
and hands on only :mod:`tradingbot.marketdata` events, so a bad field costs its frame only and never
raises inside the engine; each refusal reaches the sink with its reason. Private events only poke the
account.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Iterator

from tradingbot.exchange.ports import FeedSink, FeedState, Malformed, RecordedFrame
from tradingbot.marketdata import MarketEvent
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.market import ExchangeErrorFrame, MalformedFrame, MarketDecoder
from tradingbot.venues.gmo.rest import GmoRestClient
from tradingbot.venues.gmo.tokenstore import TokenStore
from tradingbot.venues.gmo.ws import PrivateStream, PublicStream, StreamState, StreamTiming, Subscription

PRIVATE_CHANNELS = ("executionEvents", "orderEvents", "positionEvents")


def recorded(lines: Iterable[str], symbols: Iterable[str] | None = None) -> Iterator[RecordedFrame]:
    """Recorded public frames (JSONL, one frame a line, blank lines skipped) as neutral frames.

    ``symbols``: the symbols to accept (default any: a recording holds what its recorder subscribed to).
    """
    decoder = MarketDecoder(symbols=symbols)
    for line in lines:
        if not line.strip():
            continue
        try:
            event = decoder.decode(line)
        except MalformedFrame as exc:
            yield Malformed(str(exc)[:120])
            continue
        yield None if isinstance(event, ExchangeErrorFrame) else event


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

        def on_public(event: MarketEvent | ExchangeErrorFrame) -> None:
            if not isinstance(event, ExchangeErrorFrame):  # error frames are counted by the stream
                sink.on_market(event)

        # Without a timing of ours, PublicStream keeps its own default (tests patch that default).
        make_public = (
            PublicStream
            if self.public_timing is None
            else functools.partial(PublicStream, timing=self.public_timing)
        )
        public = make_public(
            self.endpoints.public_ws, [Subscription("ticker", self.symbol)],
            on_state=state_of("public"), on_event=on_public, observer=observer,
            on_malformed=lambda reason: sink.on_malformed("public", reason),
        )  # fmt: skip
        private = PrivateStream(
            self.client, self.endpoints.private_ws, list(PRIVATE_CHANNELS),
            on_state=state_of("private"), on_event=lambda _: sink.on_account_event(), observer=observer,
            token_store=self.token_store, on_token_renewal=self.on_token_renewal,
        )  # fmt: skip
        # A task group, not gather: on cancellation gather hands the CancelledError on as soon as the first
        # stream ends, and the private stream's clean-up (deleting its access token) was then cancelled a
        # second time by the loop's shutdown. The group waits for both streams to finish.
        async with asyncio.TaskGroup() as streams:
            streams.create_task(public.run())
            streams.create_task(private.run())
