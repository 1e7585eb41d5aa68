"""A live Simulator on loopback plus a raw, independently signed HTTP helper (no client package)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, Simulator

from tests.support.eventually import eventually


class RawApi:
    """Signs like GMO_API.md says, written out here so the test does not trust any signer under test."""

    def __init__(
        self,
        sim: Simulator,
        client: httpx.AsyncClient,
        key: str = PAPER_API_KEY,
        secret: str = PAPER_API_SECRET,
    ) -> None:
        self.sim = sim
        self.client = client
        self.key = key
        self.secret = secret

    def headers(self, method: str, path: str, body: str = "", *, skew_ms: int = 0) -> dict[str, str]:
        stamp = str(time.time_ns() // 1_000_000 + skew_ms)
        text = stamp + method + path + (body if method == "POST" else "")
        sign = hmac.new(self.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        return {"API-KEY": self.key, "API-TIMESTAMP": stamp, "API-SIGN": sign}

    async def public(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(self.sim.urls.public_rest + path, params=params)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(
            self.sim.urls.private_rest + path, params=params, headers=self.headers("GET", path)
        )

    async def send(self, method: str, path: str, payload: Any, **kwargs: Any) -> httpx.Response:
        body = json.dumps(payload)
        return await self.client.request(
            method,
            self.sim.urls.private_rest + path,
            content=body,
            headers={**self.headers(method, path, body), "Content-Type": "application/json"},
            **kwargs,
        )

    async def data(self, path: str, **params: Any) -> Any:
        response = await self.get(path, **params)
        envelope = response.json()
        assert envelope["status"] == 0, envelope
        return envelope["data"]

    async def order(self, **payload: Any) -> int:
        envelope = (await self.send("POST", "/v1/order", payload)).json()
        assert envelope["status"] == 0, envelope
        return int(envelope["data"])


def make_config(**overrides: Any) -> SimConfig:
    base: dict[str, Any] = {"tick_interval": 0, "ws_subscribe_interval": 0.0}
    base.update(overrides)
    return SimConfig(**base)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(make_config())
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def api(sim: Simulator) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield RawApi(sim, client)


@pytest.fixture
def start_sim() -> Callable[..., Any]:
    """Factory for a simulator with a custom config (stopped by the test's own `async with`)."""
    return lambda **overrides: Simulator(make_config(**overrides))


@pytest.fixture
def until() -> Callable[..., Any]:
    """Poll a condition with a deadline (never a bare sleep as a wait)."""
    return eventually


@pytest.fixture
def raw_api() -> Callable[..., RawApi]:
    """Factory: RawApi(sim, client, key=..., secret=...) for simulators a test starts itself."""
    return RawApi
