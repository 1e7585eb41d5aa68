"""The exchange's rate limits hold as the exchange counts them, with delay and jitter on the way.

GMO counts private REST requests (20 GET and 20 POST a second) and WebSocket subscribe messages (1 a second
per IP) on its side, when they arrive. Here the real client and streams talk to the real simulator through
a proxy that delays every chunk by a random amount (independently per connection, with occasional
spikes), while many tasks trade as fast as the client lets them and the streams are cut again and again.
The simulator's own limiter is the judge: it must refuse nothing. A throughput floor keeps the test from
passing by sending too little.

What is emulated: the network (the proxy). What is real: the client, its limiter and pacer, the streams,
the simulator's counting. The short form runs in `make test`; the long form (minutes) in `make chaos`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from jitter_proxy import Jitter, JitterProxy
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, Simulator
from tradingbot.sim.server import SimServer
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import ErrorCategory, GmoError
from tradingbot.venues.gmo.models import ExecutionType, OrderRequest, Side
from tradingbot.venues.gmo.ratelimit import SubscribePacer
from tradingbot.venues.gmo.rest import GmoRestClient
from tradingbot.venues.gmo.ws import PrivateStream, PublicStream, StreamState, Subscription
from venue_support import FAST_WS

SYMBOL = "BTC_JPY"


@dataclass
class ExchangeView:
    """What the simulator saw, recorded at the moment each request reached it."""

    rest: list[tuple[float, str]] = field(default_factory=list)
    rest_refused: list[tuple[float, str]] = field(default_factory=list)
    subscribes: list[float] = field(default_factory=list)
    subscribes_sent: list[float] = field(default_factory=list)  # the client's real sends, for diagnosis
    subscribes_refused: int = 0

    def worst_window(self, kind: str, window: float = 1.0) -> int:
        times = sorted(t for t, k in self.rest if k == kind)
        worst, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - window:
                j += 1
            worst = max(worst, i - j + 1)
        return worst


def _watch(sim: Simulator, view: ExchangeView, monkeypatch: pytest.MonkeyPatch) -> None:
    allow = sim.limiter.allow

    def counting_allow(api_key: str, method: str) -> bool:
        ok = allow(api_key, method)
        kind = sim.limiter.kind(method)
        (view.rest if ok else view.rest_refused).append((time.monotonic(), kind))
        return ok

    monkeypatch.setattr(sim.limiter, "allow", counting_allow)
    command = SimServer._command

    def counting_command(self: SimServer, conn: object, text: str) -> None:
        if '"subscribe"' in text or '"unsubscribe"' in text:
            view.subscribes.append(time.monotonic())
        command(self, conn, text)  # type: ignore[arg-type]

    monkeypatch.setattr(SimServer, "_command", counting_command)
    ws_error = SimServer._ws_error

    def counting_error(self: SimServer, conn: object, code: str, detail: str) -> None:
        if code == "ERR-5003":
            view.subscribes_refused += 1
        ws_error(self, conn, code, detail)  # type: ignore[arg-type]

    monkeypatch.setattr(SimServer, "_ws_error", counting_error)


async def _hammer(
    until: float, call: Callable[[], Awaitable[object]], refused: list[str], done: list[int]
) -> None:
    while time.monotonic() < until:
        try:
            await call()
            done[0] += 1
        except GmoError as exc:
            if exc.category is ErrorCategory.RATE_LIMIT:
                refused.append(str(exc))
            # Other refusals (funds, no such order) are the exchange answering, counted like any request.
            done[0] += 1


T = TypeVar("T")


@contextlib.asynccontextmanager
async def _exchange_apart(
    config: SimConfig,
    view: ExchangeView,
    monkeypatch: pytest.MonkeyPatch,
    rest_jitter: Jitter,
    ws_jitter: Jitter,
) -> AsyncIterator[tuple[Simulator, asyncio.AbstractEventLoop, JitterProxy, JitterProxy]]:
    """The simulator and both proxies on an event loop of their own (a thread).

    The exchange reads its socket in its own process. Sharing the client's loop, an arrival was timed only
    when that loop, busy with 24 trading tasks on a loaded machine, got round to it: a lag on the way that
    the test did not inject and the client's room cannot cover (issue 19: 0.377 s against 0.4).
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="exchange", daemon=True)
    thread.start()
    proxies = contextlib.AsyncExitStack()
    opened: list[Simulator] = []

    async def there(coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    async def open_exchange() -> tuple[JitterProxy, JitterProxy]:
        sim = Simulator(config)
        await sim.start()
        opened.append(sim)
        _watch(sim, view, monkeypatch)
        port = int(sim.urls.base.rsplit(":", 1)[1])
        rest = await proxies.enter_async_context(JitterProxy("127.0.0.1", port, rest_jitter))
        ws = await proxies.enter_async_context(JitterProxy("127.0.0.1", port, ws_jitter))
        return rest, ws

    async def close_exchange() -> None:
        await proxies.aclose()
        for sim in opened:
            await sim.stop()

    try:
        rest, ws = await there(open_exchange())
        yield opened[0], loop, rest, ws
    finally:
        await there(close_exchange())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def _trade_through_jitter(
    monkeypatch: pytest.MonkeyPatch, *, seconds: float, subscribe_limit: float, cuts: int
) -> tuple[ExchangeView, list[str], int]:
    # The exchange's per-IP subscribe limit, scaled down with the test's time (GMO: 1 a second); the client
    # keeps the same quarter of room above it as in production (1.25 s for GMO's 1 s).
    config = SimConfig(tick_interval=0.05, ws_subscribe_interval=0.0, seed=7)
    view = ExchangeView()
    # REST: up to 150 ms of jitter and a 400 ms stall one chunk in 40, on a one-second budget. WebSocket:
    # delays scaled with the subscribe limit, at most 15% of it: inside the client's room of a quarter (a
    # subscribe message held back longer than that can still arrive bunched: docs/reliability.md).
    rest_jitter = Jitter(spread=0.15, spike=0.4, spike_every=40, seed=11)
    ws_jitter = Jitter(spread=0.1 * subscribe_limit, spike=0.05 * subscribe_limit, spike_every=10, seed=13)
    refused: list[str] = []
    done = [0]
    async with _exchange_apart(config, view, monkeypatch, rest_jitter, ws_jitter) as (
        sim,
        exchange_loop,
        rest_proxy,
        ws_proxy,
    ):
        ws_endpoints = GmoEndpoints.at(ws_proxy.base_url)
        endpoints = dataclasses.replace(
            GmoEndpoints.at(rest_proxy.base_url),
            public_ws=ws_endpoints.public_ws,
            private_ws=ws_endpoints.private_ws,
        )
        timing = dataclasses.replace(  # the shared fast timing, paced and patient for the jitter
            FAST_WS,
            stale_after=None,
            subscribe_interval=subscribe_limit * 1.25,
            backoff_initial=0.02,
            backoff_cap=0.1,
            open_timeout=3.0,
        )
        pacer = SubscribePacer()  # one per "process" (this test), shared by both streams
        pacer_sent = pacer.sent

        def recording_sent() -> None:
            pacer_sent()
            view.subscribes_sent.append(time.monotonic())

        pacer.sent = recording_sent  # type: ignore[method-assign]
        async with GmoRestClient(
            endpoints, Credentials.of(PAPER_API_KEY, PAPER_API_SECRET), timeout=5.0, backoff_base=0.02
        ) as client:
            states: list[StreamState] = []
            public = PublicStream(
                endpoints.public_ws, [Subscription("ticker", SYMBOL), Subscription("trades", SYMBOL)],
                timing=timing, on_state=states.append,
            )  # fmt: skip
            private = PrivateStream(
                client, endpoints.private_ws,
                ["executionEvents", "orderEvents", "positionEvents", "positionSummaryEvents"],
                timing=timing,
            )  # fmt: skip
            public._pacer = pacer
            private._pacer = pacer
            streams = [asyncio.create_task(public.run()), asyncio.create_task(private.run())]
            until = time.monotonic() + seconds
            far_below = Decimal(1000)

            async def place_and_cancel() -> None:
                order_id = await client.place_order(
                    OrderRequest(
                        symbol=SYMBOL,
                        side=Side.BUY,
                        execution_type=ExecutionType.LIMIT,
                        size=Decimal("0.01"),
                        price=far_below,
                    )
                )
                await client.cancel_order(order_id)

            async def read_account() -> None:
                await client.get_active_orders(SYMBOL)
                await client.get_margin()

            async def cut_streams() -> None:
                for _ in range(cuts):
                    await asyncio.sleep(seconds / (cuts + 1))  # spreading the storms over the run
                    exchange_loop.call_soon_threadsafe(sim.faults.drop_ws)

            workers = [_hammer(until, place_and_cancel, refused, done) for _ in range(12)]
            workers += [_hammer(until, read_account, refused, done) for _ in range(12)]
            await asyncio.gather(*workers, cut_streams())
            for task in streams:
                task.cancel()
            for task in streams:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return view, refused, done[0]


def _check(view: ExchangeView, refused: list[str], done: int, seconds: float, subscribe_limit: float) -> None:
    assert view.rest_refused == [], f"the simulator refused {len(view.rest_refused)} requests: {refused[:3]}"
    assert refused == []
    assert view.worst_window("GET") <= 20
    assert view.worst_window("POST") <= 20
    # Not passing by sending too little: at least a third of the budget (GET + POST) was used.
    assert done / seconds >= (40 / 3) / 2, f"only {done} requests in {seconds} s"
    arrivals = sorted(view.subscribes)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(arrivals) >= 6, "the streams never resubscribed"
    # The client's side first: its real sends are the pacer's interval apart, whichever stream sent.
    sent = sorted(view.subscribes_sent)
    sent_gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(sent_gaps) >= subscribe_limit * 1.25 - 0.001, f"subscribes sent {min(sent_gaps):.3f} s apart"
    # Then the exchange's side. A failure here with the sends well apart is delay on the way: the proxies
    # and the simulator share this process's event loop, so its lag on a loaded machine adds to the
    # injected jitter (seen once in a loaded `make flake`: 0.377 s against 0.4, not reproduced in 10 runs).
    worst = min(range(len(gaps)), key=gaps.__getitem__)
    assert min(gaps) >= subscribe_limit, (
        f"two subscribe messages arrived {min(gaps):.3f} s apart (arrival #{worst + 1}); "
        f"sent gaps from {min(sent_gaps):.3f} s; arrivals minus sends: "
        f"{[round(a - s, 3) for a, s in zip(arrivals, sent, strict=False)]}"
    )
    assert view.subscribes_refused == 0


async def test_rate_limits_hold_under_delay_and_jitter_short(monkeypatch: pytest.MonkeyPatch) -> None:
    seconds, limit = 8.0, 0.4
    view, refused, done = await _trade_through_jitter(
        monkeypatch, seconds=seconds, subscribe_limit=limit, cuts=3
    )
    _check(view, refused, done, seconds, limit)


@pytest.mark.chaos
@pytest.mark.timeout(900)  # three minutes of trading by design; the suite's 120 s cut it off every time
async def test_rate_limits_hold_under_delay_and_jitter_long(monkeypatch: pytest.MonkeyPatch) -> None:
    seconds, limit = 180.0, 1.0
    view, refused, done = await _trade_through_jitter(
        monkeypatch, seconds=seconds, subscribe_limit=limit, cuts=20
    )
    _check(view, refused, done, seconds, limit)
