from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tradingbot.ops.health import HealthReport
from tradingbot.ops.http import OpsServer
from tradingbot.ops.metrics import BotMetrics
from tradingbot.ops.status import MonitorStatus


class _State:
    def __init__(self) -> None:
        self.report = HealthReport(monitor_status=MonitorStatus.ACTIVE, last_loop_at=datetime.now(UTC))
        self.fail = False

    def health(self) -> HealthReport:
        if self.fail:
            raise RuntimeError("engine not wired")
        return self.report


async def test_livez_healthz_metrics_on_an_ephemeral_port() -> None:
    state = _State()
    metrics = BotMetrics()
    metrics.set_monitor_status(MonitorStatus.ACTIVE)
    async with (
        OpsServer("127.0.0.1", 0, state.health, metrics) as server,
        httpx.AsyncClient(base_url=server.base_url, trust_env=False) as client,
    ):
        assert server.port > 0
        live = await client.get("/livez")
        assert live.status_code == 200

        ok = await client.get("/healthz")
        assert ok.status_code == 200
        assert ok.json()["status"] == "ok"
        assert ok.json()["monitor_status"] == "active"

        for status in (MonitorStatus.RECONNECTING, MonitorStatus.DEGRADED, MonitorStatus.HALTED):
            state.report = HealthReport(monitor_status=status)
            bad = await client.get("/healthz")
            assert bad.status_code == 503
            assert bad.json() | {"status": "unhealthy", "monitor_status": status.value} == bad.json()

        state.fail = True
        broken = await client.get("/healthz")
        assert broken.status_code == 503
        assert broken.json()["status"] == "unhealthy"
        assert (await client.get("/livez")).status_code == 200

        prom = await client.get("/metrics")
        assert prom.status_code == 200
        assert prom.headers["content-type"].startswith("text/plain")
        assert 'monitor_status{status="active"} 1.0' in prom.text
        assert "run_loop_failures_total 0.0" in prom.text
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(trust_env=False) as client:
            await client.get(f"http://127.0.0.1:{server.port}/livez")


async def test_stale_loop_makes_healthz_503() -> None:
    state = _State()
    state.report = HealthReport(
        monitor_status=MonitorStatus.ACTIVE, last_loop_at=datetime.now(UTC) - timedelta(minutes=5)
    )
    server = OpsServer("127.0.0.1", 0, state.health, BotMetrics(), max_loop_age=timedelta(seconds=60))
    await server.start()
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(f"{server.base_url}/healthz")
        assert response.status_code == 503
    finally:
        await server.stop()


async def test_busy_port_is_a_clear_error() -> None:
    first = OpsServer("127.0.0.1", 0, _State().health, BotMetrics())
    await first.start()
    try:
        second = OpsServer("127.0.0.1", first.port, _State().health, BotMetrics())
        with pytest.raises(OSError, match=f"127.0.0.1:{first.port}"):
            await second.start()
    finally:
        await first.stop()


def test_port_out_of_range() -> None:
    with pytest.raises(ValueError, match="70000"):
        OpsServer("127.0.0.1", 70000, _State().health, BotMetrics())
