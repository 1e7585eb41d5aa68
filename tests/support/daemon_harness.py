"""Helpers to run the real daemon against the real simulator inside a test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

from tradingbot.app import Daemon, DaemonTiming
from tradingbot.config import load_settings
from tradingbot.sim import SimConfig, Simulator

from tests.support.eventually import eventually

FAST = DaemonTiming(
    account_every=0.5,
    account_min_gap=0.2,
    resolve_every=0.25,
    progress_every=0.5,
    recheck_mismatch_every=0.3,
    settle_after=1.0,
)


def env_for(sim: Simulator, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        "TRADINGBOT_VAR_DIR": str(var_dir),
        "TRADINGBOT_SECRETS_DIR": str(var_dir / "no-secrets"),
        "TRADINGBOT_SIM_URL": sim.urls.base,
        "TRADINGBOT_STRATEGY__FAST_WINDOW": "2",
        "TRADINGBOT_STRATEGY__SLOW_WINDOW": "3",
        "TRADINGBOT_STRATEGY__ORDER_SIZE": "0.01",
    }
    env.update(extra)
    return env


@asynccontextmanager
async def simulator(**overrides: object) -> AsyncIterator[Simulator]:
    config = SimConfig(tick_interval=0, **overrides)  # type: ignore[arg-type]
    sim = Simulator(config)
    await sim.start("127.0.0.1", 0)
    try:
        yield sim
    finally:
        await sim.stop()


@asynccontextmanager
async def running_daemon(
    env: Mapping[str, str], *, timing: DaemonTiming = FAST, **kwargs: object
) -> AsyncIterator[Daemon]:
    settings = load_settings(env)
    # Port 0: the daemon binds a free port (the ops server reports it).
    settings = settings.model_copy(update={"http_port": 0})
    daemon = Daemon(settings, timing=timing, **kwargs)  # type: ignore[arg-type]
    ready = asyncio.Event()

    async def on_ready(_: Daemon) -> None:
        ready.set()

    task = asyncio.create_task(daemon.run(install_signals=False, ready=on_ready))
    done, _ = await asyncio.wait(
        {task, asyncio.create_task(ready.wait())}, timeout=15, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        raise AssertionError(f"daemon exited early: {daemon.stop_reason}")
    try:
        yield daemon
    finally:
        daemon.request_stop("test done")
        await asyncio.wait_for(task, 15)


async def cross_up(sim: Simulator, symbol: str = "BTC_JPY", base: Decimal = Decimal("15000000")) -> None:
    """Prices that make a fast=2/slow=3 crossover go long (after a flat, priming window)."""
    # The streams report connected before the ticker subscription is sent (one subscribe pacer per
    # process, 1.25 s apart): prices set before it are never seen by the bot.
    await eventually(lambda: sim.hub.wants("ticker", symbol), timeout=15, what="ticker subscription")
    for p in (base, base, base, base, base * Decimal("1.01")):
        await sim.set_price(symbol, p)
        await asyncio.sleep(0.05)
