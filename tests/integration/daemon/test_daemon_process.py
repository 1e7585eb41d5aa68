"""The daemon as a real process: `python -m tradingbot run` in paper mode with the embedded simulator."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.eventually import eventually_sync


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(var_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}
    env.update({
        "TRADINGBOT_VAR_DIR": str(var_dir),
        "TRADINGBOT_SECRETS_DIR": str(var_dir / "no-secrets"),
        "TRADINGBOT_HTTP_PORT": str(port),
        "TRADINGBOT_STRATEGY__FAST_WINDOW": "2",
        "TRADINGBOT_STRATEGY__SLOW_WINDOW": "3",
    })  # fmt: skip
    return env


_NOT_YET = (httpx.HTTPError, OSError, ValueError)  # the bot is still starting


def test_paper_session_process_trades_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradingbot", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        eventually_sync(
            lambda: httpx.get(f"{url}/healthz").status_code == 200,
            20,
            "healthz 200",
            interval=0.1,
            ignore=_NOT_YET,
        )
        metrics = httpx.get(f"{url}/metrics").text
        assert "run_loop_failures_total" in metrics
        assert 'monitor_status{status="active"} 1.0' in metrics
        progress = tmp_path / "artifacts" / "run_progress.json"
        eventually_sync(
            lambda: json.loads(progress.read_text())["monitor_status"] == "active",
            10,
            "progress active",
            interval=0.1,
            ignore=_NOT_YET,
        )
        audit = tmp_path / "logs" / "audit_events.jsonl"
        eventually_sync(
            lambda: '"state":"confirmed"' in audit.read_text(),
            30,
            "a confirmed order",
            interval=0.1,
            ignore=_NOT_YET,
        )
        # A second daemon on the same var dir refuses with a clear message.
        second = subprocess.run(
            [sys.executable, "-m", "tradingbot", "run"],
            env=_env(tmp_path, _free_port()),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 3
        assert "already holds the lock" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out.decode()[-2000:]
    complete = json.loads((tmp_path / "artifacts" / "run_complete.json").read_text())
    assert complete["stop_reason"] == "signal SIGTERM"
    assert complete["exit_code"] == 0
    assert complete["orders_sent"] >= 1


def test_sigint_stops_cleanly_via_run_live_script(tmp_path: Path, repo_root: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(repo_root / "scripts" / "run_live.py")],
        env=_env(tmp_path, port),
        cwd=repo_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        eventually_sync(
            lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200,
            20,
            "healthz 200",
            interval=0.1,
            ignore=_NOT_YET,
        )
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out.decode()[-2000:]
    assert (
        json.loads((tmp_path / "artifacts" / "run_complete.json").read_text())["stop_reason"]
        == "signal SIGINT"
    )
