"""live_connectivity_drill.sh against a simulator: pass without any order, and each failure class."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from scripts_harness import REPO, free_port, make_env
from tradingbot.sim import SimConfig, Simulator


async def _drill(tmp_path: Path, sim_url: str) -> tuple[int, str, dict[str, Any]]:
    env = make_env(tmp_path, TRADINGBOT_SIM_URL=sim_url)
    proc = await asyncio.create_subprocess_exec(
        "bash",
        "scripts/live_connectivity_drill.sh",
        cwd=REPO,
        env=env.base,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    result = json.loads((env.var_dir / "artifacts" / "live_connectivity_drill.json").read_text())
    assert proc.returncode is not None
    return proc.returncode, out.decode(), result


async def test_drill_passes_and_the_exchange_received_no_order(tmp_path: Path) -> None:
    async with Simulator(SimConfig(tick_interval=0.1)) as sim:
        code, out, result = await _drill(tmp_path, sim.urls.base)
        assert sim.received_orders == []
    assert code == 0, out
    assert "[drill] RESULT: PASS" in out
    assert "LIVE_DRILL_REAL_CONNECT is not 1" in out
    assert [s["step"] for s in result["steps"]] == [
        "auth",
        "ticker",
        "balance",
        "position",
        "stream_connect",
        "stream_reconnect",
    ]
    assert result["orders_sent"] == 0
    assert result["endpoints"]["public_rest"] == f"{sim.urls.base}/public"


@pytest.mark.parametrize(
    ("faults", "credentials", "category", "step"),
    [
        ({}, {"someone-else": "x"}, "auth", "auth"),
        ({"rate_limit_next": 50}, None, "rate_limit", "auth"),
        ({"maintenance": "ERR-5201"}, None, "exchange", "auth"),
    ],
)
async def test_drill_failure_is_classified(
    tmp_path: Path, faults: dict[str, Any], credentials: dict[str, str] | None, category: str, step: str
) -> None:
    config = SimConfig() if credentials is None else SimConfig(credentials=credentials)
    async with Simulator(config) as sim:
        sim.faults.update(faults)
        code, out, result = await _drill(tmp_path, sim.urls.base)
        assert sim.received_orders == []
    assert code == 1
    assert f"failure_category={category}" in out.splitlines()
    assert f"[drill] RESULT: FAIL category={category} step={step}" in out
    assert result["failure"]["category"] == category


async def test_drill_unreachable_exchange_is_network(tmp_path: Path) -> None:
    code, out, result = await _drill(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert code == 1
    assert "failure_category=network" in out.splitlines()
    assert result["result"] == "fail"
