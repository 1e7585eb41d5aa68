"""Figures 4 (operator RSS) and 5: 200 TradingBots against the emulated API, the operator as a process.

Run by `python -m benchmarks operator` (it collects this file with pytest for kmock's fixtures); writes
its raw figures as JSON to $BENCH_OPERATOR_OUT. Not part of `make test` (testpaths is tests/, and the
`bench` marker is excluded there).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest

from tests.support.kmock_fixed import FixedEmulator
from tests.support.operator_harness import (
    NS,
    STS,
    FakeBot,
    FakeKubelet,
    condition,
    get,
    health_template,
    status,
    tradingbot,
    write_kubeconfig,
)

BOTS = int(os.environ.get("BENCH_OPERATOR_BOTS", "200"))
GATE = {"initialDelaySeconds": 0, "periodSeconds": 1, "successThreshold": 2, "failureThreshold": 3,
        "progressDeadlineSeconds": 60}  # fmt: skip
RESYNC_SECONDS = 5
TB_PATH = f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots"

pytestmark = [pytest.mark.bench, pytest.mark.timeout(400)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _operator(env: dict[str, str], log: Path) -> AsyncIterator[int]:
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tradingbot_operator", env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield proc.pid
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def _profile(pid: int) -> asyncio.subprocess.Process | None:
    """py-spy (requirements/bench.in) on the operator when BENCH_OPERATOR_PYSPY names an output file."""
    target = os.environ.get("BENCH_OPERATOR_PYSPY")
    if not target:
        return None
    spy = Path(sys.executable).with_name("py-spy")
    return await asyncio.create_subprocess_exec(
        str(spy), "record", "--pid", str(pid), "--format", "speedscope", "--rate", "50",
        "--output", target, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def _ready(k8s: FixedEmulator, name: str) -> bool:
    return bool(condition(k8s, name, "Ready").get("status") == "True")


async def _poll(check: Any, within: float, what: str, every: float = 0.05) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"{what} not reached within {within}s")
        await asyncio.sleep(every)
    return time.monotonic() - started


async def test_operator_200_bots(
    tmp_path: Path, k8s: FixedEmulator, bot: FakeBot, kubelet: FakeKubelet
) -> None:
    out: dict[str, Any] = {"bots": BOTS, "gate": GATE, "resync_seconds": RESYNC_SECONDS}
    names = [f"bot{i:03d}" for i in range(BOTS)]
    for name in names:
        resp = await k8s.post(TB_PATH, json=tradingbot(name=name, healthGate=dict(GATE)))
        assert resp.status < 300, await resp.text()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", str(k8s.url).rstrip("/"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADINGBOT_OPERATOR_")}
    env.update({
        "KUBECONFIG": str(kubeconfig),
        "TRADINGBOT_OPERATOR_HEALTH_URL_TEMPLATE": health_template(bot),
        "TRADINGBOT_OPERATOR_METRICS_HOST": "127.0.0.1",
        "TRADINGBOT_OPERATOR_METRICS_PORT": str(_free_port()),
        "TRADINGBOT_OPERATOR_LIVENESS_ENDPOINT": f"http://127.0.0.1:{_free_port()}/healthz",
        "TRADINGBOT_OPERATOR_RESYNC_SECONDS": str(RESYNC_SECONDS),
        "TRADINGBOT_OPERATOR_LOG_LEVEL": "WARNING",
        "NO_PROXY": "127.0.0.1",
    })  # fmt: skip
    log = tmp_path / "operator.log"
    rss: list[float] = []
    try:
        started = time.monotonic()
        async with _operator(env, log) as pid:
            proc = psutil.Process(pid)
            profiler = await _profile(pid)

            def all_ready() -> bool:
                rss.append(proc.memory_info().rss / 2**20)
                out["ready_count"] = sum(_ready(k8s, n) for n in names)
                out["ready_after_s"] = time.monotonic() - started
                return bool(out["ready_count"] == len(names))

            await _poll(all_ready, 90, f"{BOTS} TradingBots Ready", every=0.25)
            out["cold_start_s"] = time.monotonic() - started
            out["rss_mb_during_cold_start_max"] = max(rss)
            out["operator_cpu_s_cold_start"] = sum(proc.cpu_times()[:2])
            out["emulator_cpu_s_cold_start"] = sum(psutil.Process().cpu_times()[:2])

            # Steady state: two resync periods (every bot reconciled at least once more), writes counted.
            # It starts once the cold start's last writes are done: a bot's transition Events are posted
            # just after the status write that made it Ready, so wait until 1 s passes without a write.
            settle_started = time.monotonic()
            seen = -1
            while seen != len(k8s.writes):
                seen = len(k8s.writes)
                await asyncio.sleep(1.0)
            out["settle_s"] = time.monotonic() - settle_started
            writes_before = len(k8s.writes)
            steady_rss: list[float] = []
            window = 2 * RESYNC_SECONDS + 2
            until = time.monotonic() + window
            while time.monotonic() < until:
                steady_rss.append(proc.memory_info().rss / 2**20)
                await asyncio.sleep(0.5)
            steady_writes = k8s.writes[writes_before:]
            out["steady_window_s"] = window
            out["steady_writes"] = len(steady_writes)
            out["steady_writes_sample"] = steady_writes[:20]
            out["rss_mb_steady"] = {"max": max(steady_rss), "last": steady_rss[-1]}

            # A failed gate: a broken image (FakeBot answers 503) on one bot -> stable revision restored.
            victim = names[0]
            stable = status(k8s, victim)["stableRevision"]
            resp = await k8s.patch(
                f"{TB_PATH}/{victim}", json={"spec": {"image": "tradingbot:broken"}},
                headers={"Content-Type": "application/merge-patch+json"},
            )  # fmt: skip
            assert resp.status < 300, await resp.text()
            patched = time.monotonic()

            def left_stable() -> bool:
                sts = get(k8s, STS, victim)
                return sts is not None and sts["metadata"]["annotations"]["tradingbot.dev/revision"] != stable

            def restored() -> bool:
                sts = get(k8s, STS, victim)
                return (
                    sts is not None
                    and sts["metadata"]["annotations"]["tradingbot.dev/revision"] == stable
                    and status(k8s, victim).get("phase") == "RolledBack"
                )

            await _poll(left_stable, 30, "new revision rolled out", every=0.01)
            out["rollout_started_after_patch_s"] = time.monotonic() - patched
            await _poll(restored, 60, "stable revision restored", every=0.01)
            restored_wall = time.time()
            out["rollback_after_patch_s"] = time.monotonic() - patched
            # The bound counts from the gate's start: status.gate.startedAt (the operator's wall clock
            # when it rolled the revision out; same host, same clock) + initialDelaySeconds.
            failed_gate = status(k8s, victim)["gate"]
            assert failed_gate["revision"] != stable, failed_gate
            assert failed_gate["result"] == "Failed", failed_gate
            gate_start = failed_gate["startedAt"] + GATE["initialDelaySeconds"]
            out["rollback_s"] = restored_wall - gate_start
            out["rollback_gate"] = failed_gate
            out["rollback_bound_s"] = GATE["failureThreshold"] * GATE["periodSeconds"] + 2
            out["rss_mb_end"] = proc.memory_info().rss / 2**20
            out["operator_cpu_s_total"] = sum(proc.cpu_times()[:2])
            out["emulator_cpu_s_total"] = sum(psutil.Process().cpu_times()[:2])
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                await profiler.wait()
    finally:
        out["operator_log_tail"] = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        target = os.environ.get("BENCH_OPERATOR_OUT")
        if target:
            Path(target).write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")  # noqa: ASYNC240
