"""Real processes for the reliability suites: the simulator and the bot daemon as separate OS processes.

The simulator runs in its own process so that it survives the bot's SIGKILL, exactly like the exchange does.
Everything here talks to loopback only. Waits poll with a deadline (tests.support.eventually); nothing
sleeps as a wait.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.eventually import eventually_sync

PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    # A clean environment: nothing of the developer's TRADINGBOT_* / GMO_* settings leaks into the run.
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class SimProcess:
    def __init__(self, workdir: Path, *, seed: int = 42, tick_interval: float = 0.1) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        ready = workdir / "sim-ready.json"
        self.stdout = (workdir / "sim.stdout").open("wb")
        self.stderr = (workdir / "sim.stderr").open("wb")
        self.proc = subprocess.Popen(
            [PY, "-m", "tradingbot.sim", "--port", "0", "--seed", str(seed),
             "--tick-interval", str(tick_interval), "--ready-file", str(ready), "--log-level", "WARNING"],
            stdout=self.stdout, stderr=self.stderr, env=child_env({}),
        )  # fmt: skip
        started = lambda: (ready.exists() and ready.stat().st_size > 0) or self.proc.poll() is not None  # noqa: E731
        eventually_sync(started, 20, "sim", interval=0.01)
        assert self.proc.poll() is None, (workdir / "sim.stderr").read_text()
        self.urls: dict[str, str] = json.loads(ready.read_text())
        self.base = self.urls["base"]
        self.http = httpx.Client(base_url=self.base, timeout=10)

    def admin(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        if body is None and path in ("/admin/state", "/admin/orders"):
            r = self.http.get(path)
        else:
            r = self.http.post(path, json=dict(body or {}))
        r.raise_for_status()
        return r.json() if r.content else None

    def faults(self, **values: Any) -> None:
        self.admin("/admin/faults", values)

    def reset_faults(self) -> None:
        self.admin("/admin/faults/reset")

    def orders(self) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = self.admin("/admin/orders")["orders"]
        return orders

    def account(self) -> dict[str, Any]:
        accounts: list[dict[str, Any]] = self.admin("/admin/state")["accounts"]
        return accounts[0] if accounts else {"positions": [], "active_orders": []}

    def stop(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.stdout.close()
        self.stderr.close()


@contextmanager
def sim_process(workdir: Path, **kwargs: Any) -> Iterator[SimProcess]:
    sim = SimProcess(workdir, **kwargs)
    try:
        yield sim
    finally:
        sim.stop()


def bot_env(var_dir: Path, sim_base: str, port: int, **extra: str) -> dict[str, str]:
    env = {
        "TRADINGBOT_MODE": "paper",
        "TRADINGBOT_VAR_DIR": str(var_dir),
        "TRADINGBOT_SECRETS_DIR": str(var_dir.parent / "no-secrets"),
        "TRADINGBOT_SIM_URL": sim_base,
        "TRADINGBOT_HTTP_PORT": str(port),
        "TRADINGBOT_STRATEGY__FAST_WINDOW": "2",
        "TRADINGBOT_STRATEGY__SLOW_WINDOW": "3",
        "TRADINGBOT_STRATEGY__ORDER_SIZE": "0.01",
        "TRADINGBOT_LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


class BotProcess:
    """``python -m tradingbot run`` as a child process (its own process group, so kill -9 is exact)."""

    def __init__(
        self, env: Mapping[str, str], logdir: Path, name: str, args: tuple[str, ...] = ("run",)
    ) -> None:
        logdir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = logdir / f"{name}.stdout"
        self.stderr_path = logdir / f"{name}.stderr"
        self._out = self.stdout_path.open("wb")
        self._err = self.stderr_path.open("wb")
        self.port = int(env.get("TRADINGBOT_HTTP_PORT", "9754"))
        self.proc = subprocess.Popen(
            [PY, "-m", "tradingbot", *args], stdout=self._out, stderr=self._err,
            env=child_env(env), start_new_session=True,
        )  # fmt: skip

    def health(self) -> dict[str, Any] | None:
        try:
            r = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
        except httpx.HTTPError:
            return None
        body: dict[str, Any] = r.json()
        return body

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2).text

    def wait_health(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            assert self.proc.poll() is None, f"bot exited {self.proc.returncode}: {self.stderr_tail()}"
            h = self.health()
            return h if h is not None and pred(h) else None

        result: dict[str, Any] = eventually_sync(check, timeout, what, interval=0.05)
        return result

    def kill9(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.close()

    def terminate(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        self.close()
        return rc

    def close(self) -> None:
        self._out.close()
        self._err.close()

    def stderr_tail(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:]


# --- state checks ------------------------------------------------------------------------------------


def db_path(var_dir: Path) -> Path:
    return var_dir / "state" / "engine.sqlite3"


def read_intents(var_dir: Path) -> list[dict[str, Any]]:
    path = db_path(var_dir)
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute("SELECT * FROM intents ORDER BY id")]
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        con.close()


def integrity_ok(var_dir: Path) -> None:
    path = db_path(var_dir)
    if not path.exists():
        return
    con = sqlite3.connect(path, timeout=5)
    try:
        result = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    assert result == [("ok",)], f"integrity_check: {result}"


def artifacts_valid(var_dir: Path) -> int:
    count = 0
    for path in [*sorted((var_dir / "artifacts").glob("**/*.json")), var_dir / "halt.json"]:
        if path.exists():
            json.loads(path.read_text())  # raises on a torn or empty artifact
            count += 1
    leftovers = [p.name for p in (var_dir / "artifacts").glob("*") if not p.name.endswith(".json")]
    assert not leftovers or all(".tmp" in n for n in leftovers), leftovers
    return count


def audit_lines_valid(var_dir: Path) -> int:
    lines = 0
    for path in sorted((var_dir / "logs").glob("audit_events.jsonl*")):
        data = path.read_bytes()
        assert not data or data.endswith(b"\n"), f"{path.name}: last line torn: {data[-200:]!r}"
        for n, line in enumerate(data.splitlines(), start=1):
            obj = json.loads(line)  # raises on a torn line
            assert isinstance(obj, dict), f"{path.name}:{n}: {line[:200]!r}"
            assert "event" in obj, f"{path.name}:{n}: {line[:200]!r}"
            lines += 1
    return lines


PLACED = ("confirmed", "closed")
OPEN = ("pending", "unresolved")


def order_accounting(intents: list[dict[str, Any]], sim_orders: int) -> tuple[int, int]:
    """(placed, open) intents; asserts the simulator never saw more orders than intents could explain."""
    placed = sum(1 for i in intents if i["state"] in PLACED)
    opened = sum(1 for i in intents if i["state"] in OPEN)
    ids = [i["exchange_order_id"] for i in intents if i["exchange_order_id"] is not None]
    assert len(ids) == len(set(ids)), "two intents bound to one exchange order"
    assert placed <= sim_orders <= placed + opened, (
        f"simulator saw {sim_orders} orders; intents: {placed} placed, {opened} of unknown outcome"
    )
    return placed, opened


def net_position(positions: list[dict[str, Any]]) -> str:
    from decimal import Decimal

    net = Decimal(0)
    for p in positions:
        size = Decimal(str(p["size"]))
        net += size if p["side"] == "BUY" else -size
    return str(net.normalize()) if net else "0"
