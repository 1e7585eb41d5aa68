"""/healthz readiness end to end: the real daemon, the real simulator, real HTTP on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
from tradingbot.ops.status import MonitorStatus
from tradingbot.sim import Simulator

from tests.support.daemon_harness import FAST, cross_up, env_for, running_daemon, simulator
from tests.support.eventually import eventually


@contextlib.asynccontextmanager
async def ticking(sim: Simulator, base: Decimal) -> AsyncIterator[None]:
    """Keep the public stream alive with a flat price (a flat price never makes ma_cross trade)."""

    async def tick() -> None:
        while True:
            await sim.set_price("BTC_JPY", base)
            await asyncio.sleep(0.05)

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_wedged_trading_loop_is_not_ready_while_the_streams_are_fine(tmp_path: Path) -> None:
    """Real: daemon, simulator (its accept-then-timeout fault holds one order request open), HTTP.

    The trading loop waits for an answer that does not come (client timeout 3 s) while both streams stay
    connected and monitor_status stays active: /healthz must say 503 once the loop is older than
    max_loop_age, and 200 again once the loop moves (the order is then resolved from the exchange).
    """
    timing = dataclasses.replace(FAST, max_loop_age=0.5)
    async with (
        simulator() as sim,
        running_daemon(env_for(sim, tmp_path), timing=timing, client_timeout=3.0) as daemon,
    ):
        assert daemon.ops is not None
        async with httpx.AsyncClient(base_url=daemon.ops.base_url) as http:

            async def healthz() -> int:
                return (await http.get("/healthz")).status_code

            await eventually(lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active")
            async with ticking(sim, Decimal("15000000")):
                codes: list[int] = []

                async def poll(expected: int, timeout: float, what: str) -> None:
                    async def answers() -> bool:
                        codes.append(await healthz())
                        return codes[-1] == expected

                    await eventually(
                        answers, timeout, f"{what} (codes so far end {codes[-5:]})", interval=0.05
                    )

                await poll(200, 5.0, "ready while the loop runs")
            sim.faults.accept_then_timeout_next = 1
            await cross_up(sim, daemon)
            await eventually(
                lambda: len(sim.received_orders) == 1, what="the held order reached the exchange"
            )
            async with ticking(sim, Decimal("15150000")):
                await poll(503, 2.5, "not ready while the loop is wedged")
                body = (await http.get("/healthz")).json()
                assert body["status"] == "unhealthy"
                assert body["monitor_status"] == "active"  # only the loop is stale, not the streams
                await poll(200, 10.0, "ready again once the loop moves")
    assert len(sim.received_orders) == 1  # the wedge never caused a second send
