"""The GMO client against the real simulator: signing, every error class, streams, unknown outcomes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal

import pytest
from tradingbot.marketdata import Ticker
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, Simulator
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import ErrorCategory, GmoError, OutcomeUnknown
from tradingbot.venues.gmo.models import (
    ExchangeStatus,
    ExecutionEvent,
    ExecutionType,
    OrderRequest,
    PrivateEvent,
    Side,
)
from tradingbot.venues.gmo.rest import GmoRestClient
from tradingbot.venues.gmo.ws import PrivateStream, PublicStream, StreamState, Subscription
from venue_support import FAST_WS

from tests.support.eventually import eventually

BUY = OrderRequest(symbol="BTC_JPY", side=Side.BUY, execution_type=ExecutionType.MARKET, size=Decimal("0.01"))


class Counter:
    def __init__(self) -> None:
        self.rate_limited = 0
        self.retries = 0

    def on_request(self, method: str, path: str, seconds: float, outcome: str) -> None:
        return None

    def on_rate_limited(self) -> None:
        self.rate_limited += 1

    def on_retry(self, path: str) -> None:
        self.retries += 1


async def test_public_and_signed_private_calls(client: GmoRestClient) -> None:
    assert await client.get_status() is ExchangeStatus.OPEN
    rules = await client.get_symbols()
    assert {"BTC_JPY", "ETH_JPY"} <= set(rules)
    ticker = await client.get_ticker("BTC_JPY")
    assert ticker.symbol == "BTC_JPY"
    assert ticker.bid <= ticker.ask
    book = await client.get_orderbook("BTC_JPY")
    assert book.asks[0].price >= book.bids[0].price
    margin = await client.get_margin()
    assert margin.available_amount > 0
    assert await client.get_assets()
    assert await client.get_active_orders("BTC_JPY") == []
    assert await client.get_open_positions("BTC_JPY") == []

    order_id = await client.place_order(BUY)
    assert order_id > 0
    (order,) = await client.get_orders([order_id])
    assert order.order_id == order_id
    executions = await client.get_executions(order_id=order_id)
    assert executions
    assert executions[0].order_id == order_id
    positions = await client.get_open_positions("BTC_JPY")
    assert sum(p.size for p in positions) == Decimal("0.01")
    assert await client.get_position_summary("BTC_JPY")
    assert await client.get_latest_executions("BTC_JPY")
    closing = await client.close_bulk_order("BTC_JPY", Side.SELL, ExecutionType.MARKET, Decimal("0.01"))
    assert closing > 0


@pytest.mark.parametrize(
    ("key", "secret", "skew_ms", "code"),
    [
        (PAPER_API_KEY, "wrong-secret", 0, "ERR-5010"),
        ("unknown-key", PAPER_API_SECRET, 0, "ERR-5012"),
        (PAPER_API_KEY, PAPER_API_SECRET, -120_000, "ERR-5009"),
        (PAPER_API_KEY, PAPER_API_SECRET, +120_000, "ERR-5008"),
    ],
)
async def test_auth_failures(endpoints: GmoEndpoints, key: str, secret: str, skew_ms: int, code: str) -> None:
    def stamp() -> str:
        return str(time.time_ns() // 1_000_000 + skew_ms)

    async with GmoRestClient(endpoints, Credentials.of(key, secret), timestamp=stamp) as rest:
        with pytest.raises(GmoError) as info:
            await rest.get_margin()
    assert info.value.category is ErrorCategory.AUTH
    assert info.value.drill_category == "auth"
    assert code in info.value.codes
    assert secret not in str(info.value)


async def test_rate_limit_backs_off_then_read_succeeds(sim: Simulator, endpoints: GmoEndpoints) -> None:
    counter = Counter()
    async with GmoRestClient(
        endpoints,
        Credentials.of(PAPER_API_KEY, PAPER_API_SECRET),
        observer=counter,
        rate_limit_pause=0.1,
        backoff_base=0.01,
    ) as rest:
        sim.faults.rate_limit_next = 1
        await rest.get_margin()
        assert counter.rate_limited == 1
        assert counter.retries == 1

        await rest.get_symbols()  # the fault must hit the order, not the lazy rules fetch
        sim.faults.rate_limit_next = 1
        before = len(sim.received_orders)
        with pytest.raises(GmoError) as info:
            await rest.place_order(BUY)  # writes are never retried
        assert info.value.category is ErrorCategory.RATE_LIMIT
        assert info.value.drill_category == "rate_limit"
        assert len(sim.received_orders) == before


@pytest.mark.parametrize("code", ["ERR-5201", "ERR-5202"])
async def test_maintenance_is_exchange_class(sim: Simulator, client: GmoRestClient, code: str) -> None:
    sim.faults.maintenance = code
    with pytest.raises(GmoError) as info:
        await client.get_margin()
    assert info.value.category is ErrorCategory.EXCHANGE
    assert info.value.drill_category == "exchange"
    assert info.value.codes == (code,)
    with pytest.raises(GmoError) as info:
        await client.place_order(BUY)
    assert info.value.category is ErrorCategory.EXCHANGE


async def test_http_5xx_on_read_retried(sim: Simulator, client: GmoRestClient) -> None:
    sim.faults.http_5xx_next = 2
    assert (await client.get_margin()).available_amount > 0


async def test_accepted_then_timed_out_order_is_outcome_unknown(
    sim: Simulator, endpoints: GmoEndpoints
) -> None:
    async with GmoRestClient(endpoints, Credentials.of(PAPER_API_KEY, PAPER_API_SECRET), timeout=0.5) as rest:
        before = len(sim.received_orders)
        sim.faults.accept_then_timeout_next = 1
        with pytest.raises(OutcomeUnknown) as info:
            await rest.place_order(BUY)
        assert info.value.sent.path == "/v1/order"
        assert info.value.sent.body == {
            "symbol": "BTC_JPY",
            "side": "BUY",
            "executionType": "MARKET",
            "size": "0.01",
        }
        assert len(sim.received_orders) == before + 1  # sent exactly once, never again
        # The order exists: it is found without resending.
        positions = await rest.get_open_positions("BTC_JPY")
        assert sum(p.size for p in positions) == Decimal("0.01")
        assert len(sim.received_orders) == before + 1


async def _run(stream: PublicStream | PrivateStream) -> asyncio.Task[None]:
    return asyncio.create_task(stream.run())


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_public_stream_survives_drop_stall_and_garbage(sim: Simulator, endpoints: GmoEndpoints) -> None:
    states: list[StreamState] = []
    tickers: list[Ticker] = []

    def on_event(event: object) -> None:
        if isinstance(event, Ticker):
            tickers.append(event)

    stream = PublicStream(
        endpoints.public_ws,
        [
            Subscription("ticker", "BTC_JPY"),
            Subscription("orderbooks", "BTC_JPY"),
            Subscription("trades", "BTC_JPY"),
        ],
        on_state=states.append,
        on_event=on_event,
        timing=FAST_WS,
    )
    task = await _run(stream)
    try:
        await eventually(lambda: len(tickers) >= 2, what="first tickers")
        assert states == [StreamState.CONNECTED]
        assert stream.decoder.state.best_bid("BTC_JPY") is not None

        # Drop -> reconnect -> resubscribe -> data flows again.
        sim.faults.drop_ws()
        await eventually(lambda: stream.connects == 2, what="reconnect")
        seen = len(tickers)
        await eventually(lambda: len(tickers) > seen + 1, what="tickers after reconnect")
        assert StreamState.RECONNECTING in states

        # Silent but open -> stale -> reconnect.
        sim.faults.ws_stall = True
        await eventually(lambda: stream.state is StreamState.STALE, what="stale detection")
        sim.faults.ws_stall = False
        await eventually(lambda: stream.state is StreamState.CONNECTED, what="connected after stall")
        seen = len(tickers)
        await eventually(lambda: len(tickers) > seen, what="tickers after stall")

        # Garbage frames are counted and survived.
        sim.faults.malformed_next = 2
        await eventually(lambda: stream.malformed_frames >= 2, what="malformed frames counted")
        seen = len(tickers)
        await eventually(lambda: len(tickers) > seen, what="tickers after garbage")
        assert not task.done()
    finally:
        await _stop(task)


def _private_subscribed(sim: Simulator) -> bool:
    """The server holds a private connection subscribed to both channels (subscriptions are paced)."""
    wanted = {"executionEvents", "orderEvents"}
    private = [conn for conn in sim.hub.connections if conn.kind == "private"]
    return any(wanted <= {channel for channel, _ in conn.subs} for conn in private)


async def test_private_stream_token_lifecycle(
    sim: Simulator, client: GmoRestClient, endpoints: GmoEndpoints
) -> None:
    events: list[PrivateEvent] = []
    states: list[StreamState] = []
    stream = PrivateStream(
        client,
        endpoints.private_ws,
        ["executionEvents", "orderEvents"],
        on_state=states.append,
        on_event=events.append,
        timing=FAST_WS.__class__(**{**FAST_WS.__dict__, "stale_after": None}),
    )
    task = await _run(stream)
    try:
        await eventually(lambda: stream.state is StreamState.CONNECTED, what="private connect")
        await eventually(lambda: _private_subscribed(sim), what="both private subscriptions at the server")
        await client.place_order(BUY)
        await eventually(lambda: any(isinstance(e, ExecutionEvent) for e in events), what="execution event")
        assert stream.tokens_created == 1

        # Tokens expire (connections are closed): the stream gets a new token and resubscribes.
        sim.faults.expire_ws_tokens()
        await eventually(lambda: stream.connects == 2, what="reconnect with a new token")
        assert stream.tokens_created == 2
        await eventually(lambda: _private_subscribed(sim), what="both subscriptions after the new token")
        events.clear()
        await client.place_order(BUY)
        await eventually(
            lambda: any(isinstance(e, ExecutionEvent) for e in events), what="events after new token"
        )
    finally:
        await _stop(task)
    assert stream.malformed_frames == 0
