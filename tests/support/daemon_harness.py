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
from tradingbot.strategy import Decision, MarketView, Strategy

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


class WatchedStrategy:
    """The daemon's own strategy, unchanged, that also records each price the trading loop gave it.

    The trading loop acts on the latest price: two tickers that arrive before it runs count once (that is
    the product's choice, a loop never trades on a stale price). A test that feeds a sequence of prices
    must therefore wait until the loop has taken each one, not sleep and hope (issue 19: under load the
    sleeps let prices merge, the crossover never formed and "bot long" timed out).
    """

    def __init__(self, inner: Strategy) -> None:
        self.inner = inner
        self.name = inner.name
        self.seen: list[Decimal] = []

    def on_price(self, view: MarketView) -> list[Decision]:
        self.seen.append(view.price)
        return self.inner.on_price(view)


@asynccontextmanager
async def running_daemon(
    env: Mapping[str, str], *, timing: DaemonTiming = FAST, **kwargs: object
) -> AsyncIterator[Daemon]:
    settings = load_settings(env)
    # Port 0: the daemon binds a free port (the ops server reports it).
    settings = settings.model_copy(update={"http_port": 0})
    daemon = Daemon(settings, timing=timing, **kwargs)  # type: ignore[arg-type]
    daemon.strategy = WatchedStrategy(daemon.strategy)  # before run(): the engine takes it from there
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


async def cross_up(
    sim: Simulator, daemon: Daemon, symbol: str = "BTC_JPY", base: Decimal = Decimal("15000000")
) -> None:
    """Prices that make a fast=2/slow=3 crossover go long (after a flat, priming window).

    Each price is set only once the daemon's trading loop has taken the previous one, so every price
    reaches the strategy however loaded the machine is.
    """
    watched = daemon.strategy
    assert isinstance(watched, WatchedStrategy), "cross_up needs a daemon from running_daemon()"
    start = len(watched.seen)

    async def flat_price_taken() -> bool:
        # A daemon just started may not have subscribed yet, and a price sent before that never reaches
        # it: offer the flat price until the loop takes one (more flat prices only prime the window).
        if len(watched.seen) > start:
            return True
        await sim.set_price(symbol, base)
        return False

    await eventually(flat_price_taken, what=f"the trading loop to take the flat price {base}")
    for p in (base, base, base, base * Decimal("1.01")):
        before = len(watched.seen)
        await sim.set_price(symbol, p)
        await eventually(lambda n=before: len(watched.seen) > n, what=f"the trading loop to take price {p}")
