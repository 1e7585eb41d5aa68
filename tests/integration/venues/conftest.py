"""Fixtures for the exchange-layer integration tests: a real simulator on loopback, fast timings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, Simulator
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.rest import GmoRestClient


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
