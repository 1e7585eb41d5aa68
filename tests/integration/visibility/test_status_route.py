"""The ops server's /status, / and /static routes (real aiohttp server on an ephemeral port)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from tradingbot.ops.health import HealthReport
from tradingbot.ops.http import OpsServer
from tradingbot.ops.metrics import BotMetrics
from tradingbot.ops.snapshot import StatusSnapshot
from tradingbot.ops.status import MonitorStatus
from tradingbot.ops.status_board import LiveFigures, StatusBoard
from tradingbot.ops.status_page import ASSETS, UPLOT_SHA256, asset
from tradingbot.risk import RiskLimits


def _health() -> HealthReport:
    return HealthReport(monitor_status=MonitorStatus.ACTIVE, last_loop_at=datetime.now(UTC))


def _board() -> StatusBoard:
    live = LiveFigures(_health(), None, Decimal(0), Decimal(0), None, Decimal(1000))
    return StatusBoard(symbol="BTC_JPY", limits=RiskLimits(), started_at=datetime.now(UTC), live=lambda: live,
                       store_path=lambda: None)  # fmt: skip


async def test_status_document_and_page_are_served() -> None:
    board = _board()
    board.mark_equity(Decimal(1000))
    async with (
        OpsServer("127.0.0.1", 0, _health, BotMetrics(), status=board.snapshot) as server,
        httpx.AsyncClient(base_url=server.base_url, trust_env=False) as client,
    ):
        status = await client.get("/status")
        assert status.status_code == 200
        assert status.headers["Cache-Control"] == "no-store"
        body = status.json()
        assert body["schema"] == "tradingbot.status/v1"
        assert body["account"]["equity_jpy"] == "1000"
        StatusSnapshot.model_validate({**body, "schema_": body.pop("schema")})  # round-trips

        page = await client.get("/")
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        # Nothing is loaded from elsewhere.
        assert "http://" not in page.text
        assert "https://" not in page.text
        for name in ASSETS:
            served = await client.get(f"/static/{name}")
            assert served.status_code == 200, name
            assert served.content == asset(name).body
        assert (await client.get("/static/..%2Fhttp.py")).status_code == 404
        assert (await client.get("/static/index.htm")).status_code == 404


async def test_status_without_provider_or_with_a_failing_one() -> None:
    async with (
        OpsServer("127.0.0.1", 0, _health, BotMetrics()) as server,
        httpx.AsyncClient(base_url=server.base_url, trust_env=False) as client,
    ):
        assert (await client.get("/status")).status_code == 404

        def broken() -> StatusSnapshot:
            raise RuntimeError("secret-looking detail must not leak")

        server.set_status_provider(broken)
        failed = await client.get("/status")
        assert failed.status_code == 503
        assert failed.json() == {"error": "status unavailable (RuntimeError)"}
        assert (await client.get("/healthz")).status_code == 200  # the rest keeps working


def test_vendored_chart_library_is_the_recorded_release() -> None:
    for name, digest in UPLOT_SHA256.items():
        assert hashlib.sha256(asset(name).body).hexdigest() == digest, name
