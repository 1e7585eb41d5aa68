"""Figure 2: tick-to-order latency over loopback, against a bare httpx POST round trip to the same server.

Everything runs in one event loop: the simulator (in-process), the real daemon (public stream -> trader ->
strategy -> risk gate -> order manager with its SQLite write and audit line -> signed httpx POST) and the
bare reference client. Both timestamps are taken in the simulator: right before the ticker frame is
handed to the WebSocket (``ws.send_str``) and at entry of the REST handler (an aiohttp middleware, before
the body is read). One decision per price step: the bench steps the price, waits until the order arrived
and the trader finished, then does one bare round trip, so both series see the same machine state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import tempfile
import time
import types
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from tradingbot.app import Daemon, DaemonTiming
from tradingbot.config import load_settings
from tradingbot.exchange import FeedState
from tradingbot.sim import SimConfig, Simulator
from tradingbot.sim.hub import Connection, Hub
from tradingbot.strategy import Action, Decision, MarketView, Side

from benchmarks.report import Figure, RunQueueClock, summary
from tests.support.eventually import eventually

DECISIONS = 2000
TRIALS = 3
WARMUP = 50
SYMBOL = "BTC_JPY"
ORDER_PATHS = frozenset({"/private/v1/order", "/private/v1/closeBulkOrder"})


class AlwaysTrade:
    """Decides on every tick: open 0.01 when flat, close it when long (exposure stays bounded)."""

    name = "always_trade"

    def on_price(self, view: MarketView) -> list[Decision]:
        if view.net > 0:
            return [Decision(view.symbol, Side.SELL, Decimal("0.01"), Action.CLOSE, "bench close")]
        return [Decision(view.symbol, Side.BUY, Decimal("0.01"), Action.OPEN, "bench open")]


class Probe:
    """Timestamps in the simulator process: ticker frame sent, order request at the REST handler."""

    def __init__(self, rq: RunQueueClock) -> None:
        self.rq = rq
        self.last_send_ns = 0
        self.last_send_rq = 0
        self.order_arrived = asyncio.Event()
        self.samples_ns: list[int] = []
        self.corrected_ns: list[int] = []
        self.record = False

    def sent(self) -> None:
        self.last_send_ns = time.perf_counter_ns()
        self.last_send_rq = self.rq()

    def arrived(self) -> None:
        now = time.perf_counter_ns()
        if self.record and self.last_send_ns:
            elapsed = now - self.last_send_ns
            self.samples_ns.append(elapsed)
            self.corrected_ns.append(max(0, elapsed - (self.rq() - self.last_send_rq)))
        self.last_send_ns = 0
        self.order_arrived.set()


def _instrument(sim: Simulator, probe: Probe) -> None:
    @web.middleware
    async def at_entry(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path in ORDER_PATHS:
            probe.arrived()
        return await handler(request)

    async def echo(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=b'{"status":0,"data":null}', content_type="application/json")

    app = sim._server.app
    app.middlewares.append(at_entry)
    app.router.add_post("/bench/echo", echo)

    async def write(self: Hub, conn: Connection) -> None:
        # Hub._write without the fault branches, with the send timestamp of ticker frames.
        while True:
            text = await conn.queue.get()
            try:
                if text.startswith('{"channel":"ticker"'):
                    probe.sent()
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                self.close_later(conn)
                return

    sim.hub._write = types.MethodType(write, sim.hub)  # type: ignore[method-assign]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _measure(var_dir: Path) -> dict[str, Any]:
    rq = RunQueueClock()
    probe = Probe(rq)
    sim = Simulator(SimConfig(symbols=(SYMBOL,), tick_interval=0, get_per_second=1000, post_per_second=1000))
    _instrument(sim, probe)
    urls = await sim.start("127.0.0.1", 0)
    env = {
        "TRADINGBOT_MODE": "paper",
        "TRADINGBOT_SYMBOL": SYMBOL,
        "TRADINGBOT_SIM_URL": urls.base,
        "TRADINGBOT_VAR_DIR": str(var_dir),
        "TRADINGBOT_SECRETS_DIR": str(var_dir / "no-secrets"),
        "TRADINGBOT_HTTP_PORT": str(_free_port()),
        "TRADINGBOT_RATE__GET_PER_SECOND": "1000",
        "TRADINGBOT_RATE__POST_PER_SECOND": "1000",
        "TRADINGBOT_RISK__MAX_DRAWDOWN": "0.9",
        "TRADINGBOT_RISK__DAILY_LOSS_LIMIT": "100000000",
        "TRADINGBOT_RISK__MAX_POSITION_SIZE": "1",
        "TRADINGBOT_RISK__MAX_TRADE_LOSS": "100000000",
        "TRADINGBOT_RISK__MAX_WALLET_DRIFT": "100000000",
        "TRADINGBOT_LOG_LEVEL": "WARNING",
        # Thousands of simulator steps a second drift further than 3 % within the guard's 10 s window; the
        # guard still looks at every tick (its cost is in the figure) but must not hold one back here.
        "TRADINGBOT_PRICE_GUARD__MAX_JUMP": "0.5",
    }
    daemon = Daemon(load_settings(env), strategy=AlwaysTrade(), timing=DaemonTiming())
    runner = asyncio.create_task(daemon.run(install_signals=False))
    bare_ns: list[int] = []
    bare_corrected_ns: list[int] = []
    missed = 0
    try:
        await eventually(
            lambda: (
                daemon.streams["public"] is FeedState.CONNECTED
                and sim.hub.wants("ticker", SYMBOL)
                and daemon.reconciliation.ok
                and daemon.trading_allowed()
            ),
            20,
            "daemon connected and trading",
        )
        async with httpx.AsyncClient(base_url=urls.base, timeout=5.0) as bare:
            body = b'{"symbol":"BTC_JPY","side":"BUY","executionType":"MARKET","size":"0.01"}'
            for i in range(WARMUP + DECISIONS):
                probe.record = i >= WARMUP
                probe.order_arrived.clear()
                loops = daemon.loop_count
                await sim.step(1)
                try:
                    async with asyncio.timeout(2.0):
                        await probe.order_arrived.wait()
                        # the trader finishes the iteration (order answered, SQLite transition) next
                        while daemon.loop_count == loops:  # noqa: ASYNC110 - no event to wait on
                            await asyncio.sleep(0)
                except TimeoutError:
                    missed += 1
                    continue
                w0 = rq()
                t0 = time.perf_counter_ns()
                response = await bare.post("/bench/echo", content=body)
                t1 = time.perf_counter_ns()
                response.raise_for_status()
                if i >= WARMUP:
                    bare_ns.append(t1 - t0)
                    bare_corrected_ns.append(max(0, t1 - t0 - (rq() - w0)))
    finally:
        daemon.request_stop("bench done")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(runner, 30)
        await sim.stop()
        rq.close()
    return {
        "tick_to_order_s": [x / 1e9 for x in probe.samples_ns],
        "tick_to_order_corrected_s": [x / 1e9 for x in probe.corrected_ns],
        "bare_rtt_s": [x / 1e9 for x in bare_ns],
        "bare_rtt_corrected_s": [x / 1e9 for x in bare_corrected_ns],
        "missed": missed,
        "orders_received": len(sim.received_orders),
    }


def _trial(raw: dict[str, Any]) -> dict[str, Any]:
    t2o, bare = summary(raw["tick_to_order_s"]), summary(raw["bare_rtt_s"])
    return {
        "decisions": len(raw["tick_to_order_s"]),
        "missed_ticks": raw["missed"],
        "orders_received_by_sim": raw["orders_received"],
        "p99_ratio": t2o.get("p99", 1) / bare["p99"] if bare.get("p99") else None,
        "tick_to_order_s": t2o,
        "bare_httpx_post_rtt_s": bare,
        "tick_to_order_runqueue_excluded_s": summary(raw["tick_to_order_corrected_s"]),
        "bare_rtt_runqueue_excluded_s": summary(raw["bare_rtt_corrected_s"]),
    }


def run() -> list[Figure]:
    """TRIALS independent paired trials; the verdict is the trial with the median p99 ratio.

    One trial's p99 is its ~20th-worst sample of 2,000, so on this shared machine a single burst of
    preemption moves it (single trials ranged 0.88x-1.56x within minutes); the median of paired trials
    is what the decode benchmark does too. Every trial is in the details.
    """
    logging.getLogger("tradingbot").setLevel(logging.WARNING)
    root = Path(".cache")
    root.mkdir(exist_ok=True)
    trials: list[dict[str, Any]] = []
    for _ in range(TRIALS):
        with tempfile.TemporaryDirectory(prefix="bench-latency-", dir=root) as tmp:
            trials.append(_trial(asyncio.run(_measure(Path(tmp)))))
    ranked = sorted(trials, key=lambda t: t["p99_ratio"] if t["p99_ratio"] is not None else float("inf"))
    median = ranked[len(ranked) // 2]
    t2o, bare = median["tick_to_order_s"], median["bare_httpx_post_rtt_s"]
    ms = 1000.0
    ratios = [t["p99_ratio"] for t in trials]
    details = {**median, "trials": TRIALS, "p99_ratios": ratios, "all_trials": trials}
    enough = all(t["decisions"] >= DECISIONS for t in trials)
    figures = [
        Figure("latency", "tick-to-order p50 (median trial)", t2o.get("p50", 0) * ms, "ms",
               bare.get("p50", 0) * ms, "bare httpx POST RTT p50", "info", None, {}),
        Figure("latency", f"tick-to-order p99 (median of {TRIALS} paired trials)", t2o.get("p99", 0) * ms,
               "ms", bare.get("p99", 0) * ms, "bare httpx POST RTT p99", "<= 1.5x",
               enough and t2o.get("p99", 1) <= 1.5 * bare.get("p99", 0), details),
        Figure("latency", "tick-to-order max (median trial)", t2o.get("max", 0) * ms, "ms",
               bare.get("max", 0) * ms, "bare httpx POST RTT max", "info", None, {}),
    ]  # fmt: skip
    return figures
