"""`python -m tradingbot.sim` as a subprocess: the URL line, the ready file, a clean SIGTERM exit."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys

import httpx

from tests.support.eventually import eventually_sync


def test_cli_serves_and_exits_zero_on_sigterm(tmp_path: pathlib.Path) -> None:
    ready = tmp_path / "sim.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradingbot.sim",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--seed",
            "7",
            "--tick-interval",
            "0.01",
            "--ready-file",
            str(ready),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()  # blocks until the server is listening (or the process dies)
        assert line.startswith("sim: listening base=http://127.0.0.1:"), line
        fields = dict(part.split("=", 1) for part in line.split()[2:])
        assert set(fields) == {"base", "public_rest", "private_rest", "public_ws", "private_ws"}
        eventually_sync(ready.exists, 5, "the ready file", interval=0.01)
        assert json.loads(ready.read_text()) == fields
        status = httpx.get(fields["public_rest"] + "/v1/status", timeout=5).json()
        assert status["data"] == {"status": "OPEN"}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not ready.exists()
    assert "sim: started" in (proc.stderr.read() if proc.stderr else "")


def test_cli_rejects_bad_tick_interval() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradingbot.sim", "--tick-interval", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "tick_interval=-1.0" in result.stderr
