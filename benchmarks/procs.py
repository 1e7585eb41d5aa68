"""Child processes of the benchmarks: the simulator and the bot, started like an operator would."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.eventually import eventually_sync


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A process that is still starting refuses connections or answers half-written files: "not yet".
NOT_YET = (OSError, httpx.HTTPError, ValueError)


def stop(proc: subprocess.Popen[bytes], within: float = 15.0) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(within)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@contextlib.contextmanager
def simulator(work: Path, tick_interval: float = 0.25) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`python -m tradingbot.sim` on a free loopback port; yields (process, base URL)."""
    ready = work / "sim-ready.json"
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradingbot.sim", "--host", "127.0.0.1", "--port", "0",
         "--tick-interval", str(tick_interval), "--ready-file", str(ready), "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=(work / "sim.log").open("wb"),
    )  # fmt: skip
    try:
        eventually_sync(ready.exists, 30, "bench: simulator ready file", ignore=NOT_YET)
        time.sleep(0.05)  # the ready file is written atomically; this only avoids a busy re-read
        base = json.loads(ready.read_text(encoding="utf-8"))["base"]
        yield proc, base
    finally:
        stop(proc)


def bot_env(work: Path, sim_base: str, http_port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}
    env.update(
        {
            "TRADINGBOT_MODE": "paper",
            "TRADINGBOT_SIM_URL": sim_base,
            "TRADINGBOT_VAR_DIR": str(work / "var"),
            "TRADINGBOT_SECRETS_DIR": str(work / "no-secrets"),
            "TRADINGBOT_HTTP_PORT": str(http_port),
            "TRADINGBOT_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def start_bot(work: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tradingbot", "run"],
        env=env, stdout=subprocess.DEVNULL, stderr=(work / "bot.log").open("ab"),
    )  # fmt: skip


def healthy(port: int) -> bool:
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200
