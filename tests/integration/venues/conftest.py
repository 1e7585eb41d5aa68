"""Fixtures for the exchange-layer integration tests: a real simulator on loopback, fast timings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, Simulator
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.rest import GmoRestClient
from tradingbot.venues.gmo.ws import StreamTiming

# Fast but still paced: the simulator enforces its own subscribe interval like GMO does.
FAST_WS = StreamTiming(
    stale_after=1.0,
    subscribe_interval=0.06,
    backoff_initial=0.05,
    backoff_cap=0.3,
    open_timeout=2.0,
    close_timeout=0.2,
    ping_interval=None,
    ping_timeout=None,
    token_extend_every=60.0,
)


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Poll with a deadline (no fixed sleeps as waits)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(tick_interval=0.05, ws_subscribe_interval=0.05))
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
def endpoints(sim: Simulator) -> GmoEndpoints:
    return GmoEndpoints.at(sim.urls.base)


@pytest.fixture
async def client(endpoints: GmoEndpoints) -> AsyncIterator[GmoRestClient]:
    async with GmoRestClient(
        endpoints, Credentials.of(PAPER_API_KEY, PAPER_API_SECRET), timeout=2.0, backoff_base=0.02
    ) as rest:
        yield rest
