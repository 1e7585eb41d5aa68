"""HealthProber against a real /healthz on 127.0.0.1 (aiohttp server): verdicts and the per-probe limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp.web
import pytest
from tradingbot_operator.gate import ProbeResult
from tradingbot_operator.health import HealthProber, ProbeTarget


@pytest.fixture
async def server() -> AsyncIterator[str]:
    release = asyncio.Event()

    async def ok(_: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.json_response({"status": "ok", "monitor_status": "active"})

    async def sick(_: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.json_response({"status": "unhealthy", "monitor_status": "halted"}, status=503)

    async def hang(_: aiohttp.web.Request) -> aiohttp.web.Response:
        await release.wait()  # released at teardown: a /healthz that never answers in time
        return aiohttp.web.json_response({"status": "ok"})

    app = aiohttp.web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/sick", sick)
    app.router.add_get("/hang", hang)
    runner = aiohttp.web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    release.set()
    await runner.cleanup()


async def test_healthy_unhealthy_and_unreachable(server: str) -> None:
    prober = HealthProber(timeout=2.0)
    try:
        healthy = await prober.probe(ProbeTarget(f"{server}/ok"))
        assert (healthy.result, healthy.monitor_status) == (ProbeResult.HEALTHY, "active")
        sick = await prober.probe(ProbeTarget(f"{server}/sick"))
        assert (sick.result, sick.monitor_status) == (ProbeResult.UNHEALTHY, "halted")
        assert "HTTP 503" in sick.detail
        missing = await prober.probe(ProbeTarget(f"{server}/nope"))
        assert missing.result is ProbeResult.UNHEALTHY
    finally:
        await prober.aclose()


async def test_a_hanging_healthz_costs_at_most_the_per_probe_limit(server: str) -> None:
    prober = HealthProber(timeout=30.0)
    try:
        started = time.monotonic()
        probe = await prober.probe(ProbeTarget(f"{server}/hang"), limit_seconds=0.3)
        elapsed = time.monotonic() - started
    finally:
        await prober.aclose()
    assert probe.result is ProbeResult.UNHEALTHY
    assert "unreachable" in probe.detail
    assert elapsed < 5.0, f"probe took {elapsed:.2f}s despite a 0.3 s limit"
