"""The operator as a real process (`kopf run -m tradingbot_operator` and `python -m tradingbot_operator`)
against the emulated API, reached through a kubeconfig file like in a cluster-less dev setup.

Real: the operator process with its entry points, liveness endpoint, metrics server, kubeconfig loading.
Emulated: the Kubernetes API (kmock + kmock_fixed), StatefulSet controller/kubelet, the bot's /healthz.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.kmock_fixed import FixedEmulator
from tests.support.operator_harness import (
    NS,
    FakeBot,
    FakeKubelet,
    condition,
    eventually,
    health_template,
    status,
    tradingbot,
    write_kubeconfig,
)
from tests.support.operator_harness import (
    events as events_of,
)

# kmock 0.8 loads its bundled resource list with a deprecated importlib call.
pytestmark = pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def operator_process(argv: list[str], env: dict[str, str], log: Path) -> AsyncIterator[None]:
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


def base_env(tmp_path: Path, k8s: FixedEmulator, bot: FakeBot, metrics_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADINGBOT_OPERATOR_")}
    env.update(
        {
            "KUBECONFIG": str(write_kubeconfig(tmp_path / "kubeconfig", str(k8s.url).rstrip("/"))),
            "TRADINGBOT_OPERATOR_HEALTH_URL_TEMPLATE": health_template(bot),
            "TRADINGBOT_OPERATOR_METRICS_HOST": "127.0.0.1",
            "TRADINGBOT_OPERATOR_METRICS_PORT": str(metrics_port),
            "NO_PROXY": "127.0.0.1",
        }
    )
    return env


async def create_and_wait_ready(k8s: FixedEmulator) -> None:
    resp = await k8s.post(f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots", json=tradingbot())
    assert resp.status == 201 or resp.status == 200, await resp.text()
    await eventually(
        lambda: condition(k8s, "bot1", "Ready").get("status") == "True", timeout=20, what="Ready"
    )
    assert status(k8s, "bot1")["phase"] == "Stable"


async def http_ok(url: str) -> bool:
    async with httpx.AsyncClient(trust_env=False) as client:
        try:
            return (await client.get(url, timeout=1)).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.mark.parametrize("entry", ["kopf-run", "python-m"])
async def test_operator_process_entry_points(
    entry: str, tmp_path: Path, k8s: FixedEmulator, bot: FakeBot, kubelet: FakeKubelet
) -> None:
    """`kopf run -m tradingbot_operator` / `python -m tradingbot_operator`: liveness answers, a CR rolls out
    through the gate to Ready, and the operator's metrics count the passed gate."""
    live_port, metrics_port = free_port(), free_port()
    env = base_env(tmp_path, k8s, bot, metrics_port)
    liveness = f"http://127.0.0.1:{live_port}/healthz"
    if entry == "kopf-run":
        argv = [
            sys.executable,
            "-m",
            "kopf",
            "run",
            "-m",
            "tradingbot_operator",
            "--standalone",
            "--all-namespaces",
            f"--liveness={liveness}",
        ]
    else:
        argv = [sys.executable, "-m", "tradingbot_operator"]
        env["TRADINGBOT_OPERATOR_LIVENESS_ENDPOINT"] = liveness
    log = tmp_path / "operator.log"
    async with operator_process(argv, env, log):
        try:
            await eventually(lambda: http_ok(liveness), timeout=20, what="liveness endpoint")
            await create_and_wait_ready(k8s)
            async with httpx.AsyncClient(trust_env=False) as client:
                metrics = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
            assert 'tradingbot_operator_gate_results_total{result="Passed"} 1.0' in metrics
        except AssertionError:
            print(log.read_text()[-4000:])
            raise


async def test_operator_killed_mid_gate_resumes_after_restart(
    tmp_path: Path, k8s: FixedEmulator, bot: FakeBot, kubelet: FakeKubelet
) -> None:
    """SIGKILL of a `kopf run` operator in the middle of a gate, then a new process: the gate resumes from
    status.gate (same start, same revision, no second rollout) and passes.

    Real: two operator processes, SIGKILL.
    Emulated: API (kmock), StatefulSet controller/kubelet, bot /healthz."""
    env = base_env(tmp_path, k8s, bot, free_port())
    argv = [
        sys.executable,
        "-m",
        "kopf",
        "run",
        "-m",
        "tradingbot_operator",
        "--standalone",
        "--all-namespaces",
    ]
    slow_gate = {
        "initialDelaySeconds": 0.1,
        "periodSeconds": 0.15,
        "successThreshold": 5,
        "failureThreshold": 2,
        "progressDeadlineSeconds": 30,
    }
    log = tmp_path / "operator-1.log"
    with log.open("wb") as out:
        first = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
        try:
            resp = await k8s.post(
                f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots",
                json=tradingbot(healthGate=slow_gate),
            )
            assert resp.status in (200, 201)
            await eventually(
                lambda: status(k8s, "bot1").get("gate", {}).get("successes", 0) >= 2,
                timeout=20,
                what="gate half way",
            )
        finally:
            first.kill()
            await first.wait()
    gate_then = status(k8s, "bot1")["gate"]
    assert gate_then["result"] == "Pending"

    async with operator_process(argv, env, tmp_path / "operator-2.log"):
        await eventually(lambda: status(k8s, "bot1").get("phase") == "Stable", timeout=20, what="Stable")
    gate_now = status(k8s, "bot1")["gate"]
    assert (gate_now["startedAt"], gate_now["revision"]) == (gate_then["startedAt"], gate_then["revision"])
    assert gate_now["result"] == "Passed"
    assert len([e for e in events_of(k8s) if e["reason"] == "RolloutStarted"]) == 1
