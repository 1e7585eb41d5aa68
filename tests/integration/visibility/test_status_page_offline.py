"""The page says so when the bot stops answering, instead of showing stale figures as if live."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tradingbot.ops.health import HealthReport
from tradingbot.ops.http import OpsServer
from tradingbot.ops.metrics import BotMetrics
from tradingbot.ops.snapshot import StatusSnapshot
from tradingbot.ops.status import MonitorStatus
from tradingbot.ops.status_board import LiveFigures, StatusBoard
from tradingbot.risk import RiskLimits
from visibility_browser import find_chromium, open_page


class _Switch:
    def __init__(self) -> None:
        self.up = True
        live = LiveFigures(self.health(), None, Decimal(0), Decimal(0), None, Decimal(5_000_000))
        self.board = StatusBoard(symbol="BTC_JPY", limits=RiskLimits(), started_at=datetime.now(UTC),
                                 live=lambda: live, store_path=lambda: None)  # fmt: skip

    @staticmethod
    def health() -> HealthReport:
        return HealthReport(monitor_status=MonitorStatus.ACTIVE, last_loop_at=datetime.now(UTC))

    def status(self) -> StatusSnapshot:
        if not self.up:
            raise RuntimeError("down")
        return self.board.snapshot()


@contextmanager
def _server(switch: _Switch) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    server = OpsServer("127.0.0.1", 0, switch.health, BotMetrics(), status=switch.status)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    try:
        yield server.base_url
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_page_shows_that_the_bot_stopped_answering() -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on PATH: `make tools` installs Debian's chromium where apt runs as root")
    switch = _Switch()
    with _server(switch) as url, open_page(chromium, f"{url}/") as page:
        page.wait_for("document.body.dataset.ready === '1'", 30, "the first render")
        assert page.evaluate("document.getElementById('equity').dataset.value") == "5000000"
        assert page.evaluate("document.getElementById('offline').classList.contains('hidden')")
        switch.up = False
        banner = page.wait_for(
            "!document.getElementById('offline').classList.contains('hidden')"
            " && document.getElementById('offline').textContent",
            15, "the not-answering banner",
        )  # fmt: skip
        assert "not answering /status (HTTP 503)" in banner
        assert page.evaluate("document.getElementById('health').textContent") == "no answer"
        switch.up = True
        page.wait_for("document.getElementById('offline').classList.contains('hidden')", 15, "recovery")
