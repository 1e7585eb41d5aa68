"""A real simulator process and a real ``python -m tradingbot run`` against it, for the visibility tests.

The simulator runs with ``--tick-interval 0``: prices move only when the test steps them
(``POST /admin/step``), so after the test stops stepping the bot goes quiet and ``/status``, the page and
the store can be compared without racing the market.
"""

from __future__ import annotations

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
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.eventually import eventually_sync

T = TypeVar("T")
PLANTED_KEY = "planted-gmo-key-7f3a9c"
PLANTED_SECRET = "planted-gmo-secret-b41d22"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# What counts as "not yet" while a process starts or settles.
_NOT_YET = (httpx.HTTPError, OSError, ValueError, KeyError)


def poll(fn: Callable[[], T | None], timeout: float, what: str, every: float = 0.1) -> T:
    result: T = eventually_sync(fn, timeout, what, interval=every, ignore=_NOT_YET)
    return result


@dataclass
class Bot:
    ops_url: str
    sim_url: str
    var_dir: Path
    proc: subprocess.Popen[bytes]

    def status(self) -> dict[str, Any]:
        response = httpx.get(f"{self.ops_url}/status", timeout=5)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def step(self, n: int = 1) -> None:
        httpx.post(f"{self.sim_url}/admin/step", json={"n": n}, timeout=5).raise_for_status()

    def trade_until(self, fills: int, closing: int, timeout: float = 90) -> dict[str, Any]:
        """Step the market until the bot has made ``fills`` fills of which ``closing`` closed a position."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.step()
            time.sleep(0.12)
            s = self.status()
            if s["account"]["fills"] >= fills and s["account"]["closing_trades"] >= closing:
                return s
        raise AssertionError(
            f"the bot made fewer than {fills} fills in {timeout}s: {self.status()['account']}"
        )

    def quiet(self, timeout: float = 20) -> dict[str, Any]:
        """Once the market stops: wait until nothing changes between two account refreshes."""

        def settled() -> dict[str, Any] | None:
            first = self.status()
            time.sleep(1.2)
            second = self.status()
            keys = ("account", "position", "open_orders", "recent_fills")
            same = all(first[k] == second[k] for k in keys)
            return second if same and not second["open_orders"] and second["health"] == "ok" else None

        return poll(settled, timeout, "the bot to go quiet", every=0.0)


def bot_env(var_dir: Path, port: int, sim_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}
    env.update({
        "TRADINGBOT_VAR_DIR": str(var_dir),
        "TRADINGBOT_SECRETS_DIR": str(var_dir / "no-secrets"),
        "TRADINGBOT_HTTP_PORT": str(port),
        "TRADINGBOT_SIM_URL": sim_url,
        "TRADINGBOT_STRATEGY__FAST_WINDOW": "2",
        "TRADINGBOT_STRATEGY__SLOW_WINDOW": "3",
        # Planted: the page and /status must never show them (paper mode does not use them).
        "GMO_API_KEY": PLANTED_KEY,
        "GMO_API_SECRET": PLANTED_SECRET,
    })  # fmt: skip
    env.update(extra)
    return env


@contextmanager
def simulator(tmp: Path) -> Iterator[str]:
    ready = tmp / "sim-ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradingbot.sim", "--port", "0", "--tick-interval", "0", "--ready-file",
         str(ready), "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        urls = poll(lambda: json.loads(ready.read_text()) if ready.is_file() else None, 20, "the simulator")
        yield str(urls["base"])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@contextmanager
def running_bot(tmp: Path, **extra: str) -> Iterator[Bot]:
    var_dir = tmp / "var"
    with simulator(tmp) as sim_url:
        port = free_port()
        log = (tmp / "bot.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tradingbot", "run"], env=bot_env(var_dir, port, sim_url, **extra),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        bot = Bot(f"http://127.0.0.1:{port}", sim_url, var_dir, proc)
        try:

            def ready() -> bool:
                if proc.poll() is not None:
                    raise AssertionError(f"the bot exited early: {(tmp / 'bot.log').read_text()[-3000:]}")
                return httpx.get(f"{bot.ops_url}/healthz", timeout=2).status_code == 200

            # The public stream connects only once a ticker arrives: keep the market moving meanwhile.
            poll(lambda: (bot.step(), ready())[1], 30, "the bot's /healthz 200", every=0.2)
            yield bot
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
            log.close()


@dataclass
class QuietBot:
    bot: Bot
    status: dict[str, Any]  # /status once the bot went quiet after trading
