"""Running the seed scripts in the local runtime with short settings (shared by the tests here)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Done:
    code: int
    out: str

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.out.splitlines() if line.startswith(prefix)]


@dataclass
class Env:
    var_dir: Path
    port: int
    base: dict[str, str]

    def run(self, script: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 90) -> Done:
        done = subprocess.run(
            ["bash", f"scripts/{script}", *args],
            cwd=REPO,
            env={**self.base, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Done(done.returncode, done.stdout + done.stderr)


def make_env(tmp: Path, **extra: str) -> Env:
    port = free_port()
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRADINGBOT_", "SMOKE_", "SOAK_", "GO_LIVE_", "RELEASE_"))
    }
    base.update(
        {
            "TRADINGBOT_RUNTIME": "local",
            "TRADINGBOT_VAR_DIR": str(tmp / "var"),
            "TRADINGBOT_HTTP_PORT": str(port),
            "TRADINGBOT_START_TIMEOUT_SECONDS": "30",
            "SMOKE_INTERVAL_SECONDS": "0",
            **extra,
        }
    )
    return Env(tmp / "var", port, base)
