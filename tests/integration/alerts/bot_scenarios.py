"""The real bot (`python -m tradingbot run`, paper mode) against a real simulator process, and one driver per
alert scenario. The drivers only use what an exchange or an operator can do: the simulator's admin
endpoints (faults, prices, dropped sockets), orders placed on the account from outside, and signals.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
from scrape_record import Recorder, SeriesKey, value

SCALE = 30.0  # one real second is 30 virtual seconds: "for: 5m" takes 10 s
SIM_TICK = 0.2  # seconds between the simulator's price steps (each one is a trading-loop iteration)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}


@dataclass
class Sim:
    base: str
    proc: subprocess.Popen[bytes]

    def admin(self, path: str, body: object | None = None) -> object:
        response = httpx.post(f"{self.base}/admin/{path}", json=body or {}, timeout=5)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict[str, object]:
        data: dict[str, object] = httpx.get(f"{self.base}/admin/state", timeout=5).json()
        return data

    def place(self, side: str, size: str) -> None:
        """An order on the bot's account from outside the bot (a person on the exchange's web UI)."""
        from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET
        from tradingbot.venues.gmo import Credentials, GmoEndpoints, GmoRestClient
        from tradingbot.venues.gmo.models import ExecutionType, OrderRequest, Side

        async def go() -> None:
            endpoints = GmoEndpoints.at(self.base)
            async with GmoRestClient(endpoints, Credentials.of(PAPER_API_KEY, PAPER_API_SECRET)) as client:
                await client.place_order(
                    OrderRequest(
                        symbol="BTC_JPY",
                        side=Side(side),
                        execution_type=ExecutionType.MARKET,
                        size=Decimal(size),
                    )
                )

        asyncio.run(go())


def _wait_file(path: Path, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args!r} exited {proc.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise AssertionError(f"{proc.args!r} not ready after {timeout}s")
        time.sleep(0.05)


@contextmanager
def simulator(tmp: Path) -> Iterator[Sim]:
    ready = tmp / "sim-ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradingbot.sim", "--port", "0", "--tick-interval", str(SIM_TICK),
         "--ready-file", str(ready), "--log-level", "WARNING"],
        env=_clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_file(ready, proc, 30)
        yield Sim(json.loads(ready.read_text())["base"], proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Bot:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


@contextmanager
def bot(tmp: Path, sim: Sim, **env: str) -> Iterator[Bot]:
    port = free_port()
    full = _clean_env()
    full.update({
        "TRADINGBOT_VAR_DIR": str(tmp / "var"),
        "TRADINGBOT_SECRETS_DIR": str(tmp / "no-secrets"),
        "TRADINGBOT_HTTP_PORT": str(port),
        "TRADINGBOT_SIM_URL": sim.base,
        "TRADINGBOT_STRATEGY__FAST_WINDOW": "2",
        "TRADINGBOT_STRATEGY__SLOW_WINDOW": "3",
    })  # fmt: skip
    full.update(env)
    log = tmp / "bot.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tradingbot", "run"], env=full, stdout=out, stderr=out)
    try:
        yield Bot(f"http://127.0.0.1:{port}", proc, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def active(series: dict[SeriesKey, float]) -> bool:
    return value(series, "monitor_status", status="active") == 1.0


def looped(series: dict[SeriesKey, float]) -> bool:
    # Counted by the loop histogram, not by the timestamp gauge a rule reads: the drivers must not depend
    # on the metrics under test, or a broken metric would fail here instead of in the verdict.
    return (value(series, "tradingbot_loop_seconds_count") or 0) > 0


def hold(rec: Recorder, virtual_seconds: float) -> None:
    """Let the recording run `virtual_seconds` (scaled) longer: not a wait for a condition, the length of
    the evidence a rule's window and `for` need."""
    time.sleep(virtual_seconds / SCALE)


# --- scenarios: each returns after the condition has lasted long enough for its rule ----------------

Driver = Callable[[Path, Sim, Recorder, Bot], None]


def healthy(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    rec.wait_until(lambda s: active(s) and looped(s), 30, "active and looping")
    hold(rec, 6 * 60)  # longer than every rule's window and `for`


def loop_stalled(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    rec.wait_until(lambda s: active(s) and looped(s), 30, "active and looping")
    # The exchange keeps the socket open and says nothing: no tick wakes the loop, /metrics still answers.
    # (The stream's own silence detection needs 30 real seconds; the alert fires long before.)
    sim.admin("faults", {"ws_stall": True})
    hold(rec, 120 + 60 + 90)


def reconnecting(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    rec.wait_until(lambda s: active(s) and looped(s), 30, "active and looping")
    # Exchange maintenance: the sockets drop and the private stream's token request is refused.
    sim.admin("faults", {"maintenance": "ERR-5201"})
    sim.admin("drop-ws")
    rec.wait_until(lambda s: value(s, "monitor_status", status="reconnecting") == 1.0, 15, "reconnecting")
    hold(rec, 5 * 60 + 90)


def degraded(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    # The position was opened from outside before the bot started (see SCENARIOS): reconciliation finds
    # exposure the bot does not know, and it refuses to open more until a person resolves it.
    rec.wait_until(lambda s: value(s, "monitor_status", status="degraded") == 1.0, 30, "degraded")
    hold(rec, 2 * 60 + 90)


def run_loop_failures(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    rec.wait_until(lambda s: active(s) and looped(s), 30, "active and looping")
    # Every REST answer is a 500 for a while: the account refresh of each loop fails.
    sim.admin("faults", {"http_5xx_next": 100_000})
    rec.wait_until(lambda s: (value(s, "run_loop_failures_total") or 0) >= 3, 30, "three loop failures")
    hold(rec, 60)


def risk_stop(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    # A 0.02 BTC position (adopted at start) and a 10 % price fall: drawdown above the 0.1 % limit.
    rec.wait_until(lambda s: active(s) and looped(s), 30, "active and looping")
    prices = sim.state()["prices"]
    assert isinstance(prices, dict)
    sim.admin("price", {"symbol": "BTC_JPY", "price": str(Decimal(str(prices["BTC_JPY"])) * Decimal("0.9"))})
    rec.wait_until(lambda s: value(s, "tradingbot_halted") == 1.0, 30, "halted")
    hold(rec, 60)


def price_jumps(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    rec.wait_until(lambda s: active(s) and looped(s), 30, "active and looping")
    prices = sim.state()["prices"]
    assert isinstance(prices, dict)
    base = Decimal(str(prices["BTC_JPY"]))
    # The feed jumps 20 % and settles there (the simulator's steps confirm the new level), four times over:
    # each jump after a confirmed level is a new trip of the price guard. The spacing is the length of a
    # settled spell, not a wait for a condition (the driver must not read the metric under test).
    for level in (base * Decimal("1.2"), base, base * Decimal("1.2"), base):
        sim.admin("price", {"symbol": "BTC_JPY", "price": str(level)})
        time.sleep(2.0)
    hold(rec, 60)


def target_down(tmp: Path, sim: Sim, rec: Recorder, b: Bot) -> None:
    rec.wait_until(lambda s: active(s) and looped(s), 30, "active and looping")
    b.proc.kill()  # SIGKILL: the container died
    b.proc.wait()
    hold(rec, 60 + 90)


@dataclass(frozen=True)
class Scenario:
    name: str
    drive: Driver
    expect: frozenset[str]
    env: tuple[tuple[str, str], ...] = ()
    before_start: Callable[[Sim], None] | None = None


SCENARIOS = (
    Scenario("healthy", healthy, frozenset()),
    Scenario("loop_stalled", loop_stalled, frozenset({"TradingbotLoopStalled"})),
    Scenario("reconnecting", reconnecting, frozenset({"TradingbotReconnecting"})),
    Scenario(
        "degraded", degraded, frozenset({"TradingbotDegraded"}), before_start=lambda s: s.place("BUY", "0.02")
    ),
    Scenario("run_loop_failures", run_loop_failures, frozenset({"TradingbotRunLoopFailures"})),
    Scenario(
        "risk_stop",
        risk_stop,
        frozenset({"TradingbotHalted"}),
        env=(("TRADINGBOT_RISK__MAX_DRAWDOWN", "0.001"), ("TRADINGBOT_ADOPT_EXCHANGE_STATE", "true")),
        before_start=lambda s: s.place("BUY", "0.02"),
    ),
    Scenario("price_jumps", price_jumps, frozenset({"TradingbotPriceGuardTrips"})),
    Scenario("target_down", target_down, frozenset({"TradingbotTargetDown"})),
)
