"""The price guard end to end: the real bot, the real simulator driven over its admin HTTP endpoints,
/healthz and /metrics over real HTTP on loopback.

Issue 13's case: a feed alternating between two valid prices 95 % apart made the old bot place 453 orders
in 45 s. Here it places none while the jump is unconfirmed, /healthz says why once the divergence
persists, and the bot trades again once the price settles. A silenced public stream (the simulator's
``ws_stall`` fault) makes the data stale: no opening, /healthz says so, and it recovers.
"""

from __future__ import annotations

import asyncio
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tradingbot.app import Daemon
from tradingbot.sim import Simulator

from tests.support.daemon_harness import env_for, running_daemon, simulator
from tests.support.eventually import eventually

SYMBOL = "BTC_JPY"
BASE = Decimal("15000000")
FAR = BASE * Decimal("1.95")


def trips(metrics: str, reason: str) -> float:
    prefix = f'tradingbot_price_guard_trips_total{{reason="{reason}"}} '
    line = next(line for line in metrics.splitlines() if line.startswith(prefix))
    return float(line.removeprefix(prefix))


async def ready_to_trade(sim: Simulator, daemon: Daemon, admin: httpx.AsyncClient, price: Decimal) -> None:
    """Subscribed (the process-wide subscribe pacer may hold the ticker subscription a moment after the
    streams connect), and a reference price seen."""
    await eventually(lambda: sim.hub.wants("ticker", SYMBOL), timeout=15, what="ticker subscription")
    for _ in range(3):
        await set_price(admin, price)
    await eventually(lambda: daemon.state.price is not None, what="a first price", timeout=10)


async def set_price(admin: httpx.AsyncClient, price: Decimal) -> None:
    response = await admin.post("/admin/price", json={"symbol": SYMBOL, "price": str(price)})
    response.raise_for_status()
    await asyncio.sleep(0.05)


async def alternate_for(seconds: float, admin: httpx.AsyncClient) -> int:
    """Two valid prices 95 % apart, one per simulator update, for ``seconds``; returns the updates sent."""
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await set_price(admin, FAR if sent % 2 == 0 else BASE)
        sent += 1
    return sent


async def check_alternating_feed(tmp_path: Path, seconds: float) -> None:
    async with simulator() as sim:
        env = env_for(sim, tmp_path, TRADINGBOT_PRICE_GUARD__PERSIST_AFTER="2")
        async with (
            running_daemon(env) as daemon,
            httpx.AsyncClient(base_url=sim.urls.base) as admin,
        ):
            assert daemon.ops is not None
            async with httpx.AsyncClient(base_url=daemon.ops.base_url) as ops:
                await ready_to_trade(sim, daemon, admin, BASE)
                assert (await ops.get("/healthz")).status_code == 200
                before = len(sim.received_orders)

                async def divergent() -> dict[str, Any] | None:
                    r = await ops.get("/healthz")
                    body: dict[str, Any] = r.json()
                    hit = r.status_code == 503 and body["price_guard"]["status"] == "divergent"
                    return body if hit else None

                flips = asyncio.create_task(alternate_for(seconds, admin))
                body = await eventually(divergent, what="/healthz degraded by the divergence", timeout=10)
                assert body["monitor_status"] == "degraded"
                assert body["price_guard"]["reason"] == "price_divergence"
                updates = await flips
                orders_while_alternating = len(sim.received_orders) - before
                metrics = (await ops.get("/metrics")).text
                jump_trips = trips(metrics, "jump")
                print(
                    f"\nalternating feed: {updates} updates in {seconds:.0f} s, "
                    f"{orders_while_alternating} orders, {jump_trips:.0f} jump trip(s)"
                )
                assert orders_while_alternating == 0
                assert jump_trips >= 1
                assert (await ops.get("/healthz")).status_code == 503

                # The price settles (at the far one): confirmed by consistent updates, then trading again.
                for _ in range(4):
                    await set_price(admin, FAR)

                async def healthy() -> bool:
                    return (await ops.get("/healthz")).status_code == 200

                await eventually(healthy, what="/healthz 200 after the price settled", timeout=10)
                for p in (FAR, FAR * Decimal("1.01"), FAR * Decimal("1.02")):
                    await set_price(admin, p)
                await eventually(
                    lambda: len(sim.received_orders) > before, what="an order after settling", timeout=10
                )
        audit = (tmp_path / "logs" / "audit_events.jsonl").read_text()
        assert '"event":"price_guard_trip"' in audit
        assert '"event":"price_guard_confirmed"' in audit


async def test_an_alternating_feed_places_no_order_degrades_healthz_and_recovers(tmp_path: Path) -> None:
    await check_alternating_feed(tmp_path, seconds=float(os.environ.get("PRICE_GUARD_ALTERNATE_S", "5")))


@pytest.mark.slow
async def test_the_issue_feed_for_45_seconds(tmp_path: Path) -> None:
    """The issue's figure: 45 s of the alternating feed (the old bot placed 453 orders)."""
    await check_alternating_feed(tmp_path, seconds=45)


async def test_a_silent_public_stream_is_stale_no_order_opens_and_it_recovers(tmp_path: Path) -> None:
    async with simulator() as sim:
        env = env_for(sim, tmp_path, TRADINGBOT_PRICE_GUARD__STALE_AFTER="2")
        async with (
            running_daemon(env) as daemon,
            httpx.AsyncClient(base_url=sim.urls.base) as admin,
        ):
            assert daemon.ops is not None
            async with httpx.AsyncClient(base_url=daemon.ops.base_url) as ops:
                await ready_to_trade(sim, daemon, admin, BASE)
                before = len(sim.received_orders)
                (await admin.post("/admin/faults", json={"ws_stall": True})).raise_for_status()

                async def stale() -> dict[str, Any] | None:
                    r = await ops.get("/healthz")
                    body: dict[str, Any] = r.json()
                    hit = r.status_code == 503 and body["price_guard"]["status"] == "stale"
                    return body if hit else None

                body = await eventually(stale, what="/healthz 503 with stale data", timeout=10)
                assert body["price_guard"]["reason"] == "price_stale"
                # Prices that would make ma_cross buy: the silenced stream never shows them.
                for p in (BASE, BASE, BASE * Decimal("1.01"), BASE * Decimal("1.02")):
                    await set_price(admin, p)
                await asyncio.sleep(0)
                assert not daemon.state.guard or not daemon.state.guard.opening_allowed(time.monotonic())
                assert len(sim.received_orders) == before
                assert trips((await ops.get("/metrics")).text, "stale") >= 1

                (await admin.post("/admin/faults", json={"ws_stall": False})).raise_for_status()

                async def fresh() -> bool:
                    await set_price(admin, BASE * Decimal("1.02"))
                    r = await ops.get("/healthz")
                    return r.status_code == 200 and r.json()["price_guard"]["status"] == "ok"

                await eventually(fresh, what="/healthz 200 with fresh data", timeout=45)
