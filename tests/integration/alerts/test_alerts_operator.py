"""Every operator alert fires on the real operator's scrapes in its scenario, and none in a healthy run.

Real: the operator process (`python -m tradingbot_operator`), its metrics port, HTTP on 127.0.0.1,
promtool with monitoring/alerts. Emulated: the Kubernetes API (kmock + kmock_fixed), the StatefulSet
controller/kubelet and the bot's /healthz (operator_harness). Recording and time scaling: scrape_record.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bot_scenarios import free_port
from scrape_record import Recorder, all_rules, judge, value
from tradingbot_operator.metrics import Metrics

from tests.support.kmock_fixed import FixedEmulator
from tests.support.operator_harness import (
    NS,
    FakeBot,
    FakeKubelet,
    health_template,
    status,
    tradingbot,
    write_kubeconfig,
)

pytestmark = [
    pytest.mark.integration,
    # kmock 0.8 loads its bundled resource list with a deprecated importlib call.
    pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning"),
]
SCALE = 30.0
TB_PATH = f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots"
OPERATOR_RULES = {name for name in all_rules() if name.startswith("TradingbotOperator")}


class RefusePodReads:
    """A kmock reaction predicate: while on, every GET of a Pod answers 500 (RBAC or API trouble)."""

    def __init__(self) -> None:
        self.on = False
        self.refused = 0

    def __call__(self, request: Any) -> bool:
        method = str(getattr(request.method, "value", request.method)).upper()
        if self.on and method == "GET" and "/pods/" in str(request.url.path):
            self.refused += 1
            return True
        return False


@dataclass
class Ctx:
    k8s: FixedEmulator
    rec: Recorder
    proc: asyncio.subprocess.Process
    refuse: RefusePodReads


async def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


async def hold(virtual_seconds: float) -> None:
    # Not a wait for a condition: the recording must cover this much (scaled) time for a rule's `for`.
    await asyncio.sleep(virtual_seconds / SCALE)


def _latest(ctx: Ctx) -> dict[Any, float]:
    answered = [s for s in ctx.rec.recording.scrapes if s.series is not None]
    return answered[-1].series or {} if answered else {}


async def _stable(ctx: Ctx, image: str = "tradingbot:1.0") -> None:
    await until(
        lambda: (
            status(ctx.k8s, "bot1").get("phase") == "Stable"
            and value(_latest(ctx), "tradingbot_operator_bots", phase="Stable") == 1.0
        ),
        30,
        f"bot1 Stable on {image}",
    )


async def _set_image(ctx: Ctx, image: str, **gate: float) -> None:
    spec: dict[str, Any] = {"image": image}
    if gate:
        spec["healthGate"] = gate
    resp = await ctx.k8s.patch(
        f"{TB_PATH}/bot1", json={"spec": spec}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert resp.status < 300, await resp.text()


async def healthy(ctx: Ctx) -> None:
    await _stable(ctx)
    first = status(ctx.k8s, "bot1")["currentRevision"]
    await _set_image(ctx, "tradingbot:1.1")  # a good rollout is no alert either
    await until(lambda: status(ctx.k8s, "bot1").get("currentRevision") != first, 10, "rollout")
    await _stable(ctx, "tradingbot:1.1")
    await hold(5 * 60)


async def rollback(ctx: Ctx) -> None:
    await _stable(ctx)
    await _set_image(ctx, "tradingbot:broken")  # FakeBot answers 503 for it: the gate fails
    await until(lambda: status(ctx.k8s, "bot1").get("phase") == "RolledBack", 30, "RolledBack")
    await hold(60)


async def pods_refused(ctx: Ctx) -> None:
    await _stable(ctx)
    # The API refuses Pod reads (say, a Role lost `pods get`) and a rollout starts: every pass fails at
    # its probe, so the gate never concludes and the bot stays Progressing past its deadline.
    ctx.refuse.on = True
    await _set_image(ctx, "tradingbot:1.1", progressDeadlineSeconds=2)
    await until(lambda: status(ctx.k8s, "bot1").get("phase") == "Progressing", 10, "Progressing")
    await hold(2 * SCALE + 2 * 60 + 90)
    assert status(ctx.k8s, "bot1").get("phase") == "Progressing"
    assert ctx.refuse.refused >= 3


async def operator_down(ctx: Ctx) -> None:
    await _stable(ctx)
    ctx.proc.send_signal(signal.SIGKILL)
    await ctx.proc.wait()
    await hold(2 * 60 + 90)


@dataclass(frozen=True)
class Scenario:
    name: str
    drive: Callable[[Ctx], Awaitable[None]]
    expect: frozenset[str]


SCENARIOS = (
    Scenario("healthy", healthy, frozenset()),
    Scenario("rollback", rollback, frozenset({"TradingbotOperatorRollback"})),
    Scenario(
        "pods_refused",
        pods_refused,
        frozenset({"TradingbotOperatorReconcileErrors", "TradingbotOperatorProgressingPastDeadline"}),
    ),
    Scenario("operator_down", operator_down, frozenset({"TradingbotOperatorDown"})),
)
QUICK = {"healthy", "rollback"}


def test_every_operator_rule_has_a_scenario() -> None:
    covered = set().union(*(s.expect for s in SCENARIOS))
    assert covered == OPERATOR_RULES, f"rules without a scenario: {sorted(OPERATOR_RULES - covered)}"


@contextlib.asynccontextmanager
async def operator_process(
    tmp: Path, k8s: FixedEmulator, bot: FakeBot, port: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADINGBOT_OPERATOR_")}
    env.update({
        "KUBECONFIG": str(write_kubeconfig(tmp / "kubeconfig", str(k8s.url).rstrip("/"))),
        "TRADINGBOT_OPERATOR_HEALTH_URL_TEMPLATE": health_template(bot),
        "TRADINGBOT_OPERATOR_METRICS_HOST": "127.0.0.1",
        "TRADINGBOT_OPERATOR_METRICS_PORT": str(port),
        "TRADINGBOT_OPERATOR_LIVENESS_ENDPOINT": f"http://127.0.0.1:{free_port()}/healthz",
        "NO_PROXY": "127.0.0.1",
    })  # fmt: skip
    with (tmp / "operator.log").open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tradingbot_operator", env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def _params() -> list[object]:
    return [
        pytest.param(s, id=s.name, marks=() if s.name in QUICK else (pytest.mark.chaos,)) for s in SCENARIOS
    ]


@pytest.mark.parametrize("scenario", _params())
async def test_operator_alert_scenario_on_real_scrapes(
    scenario: Scenario, tmp_path: Path, k8s: FixedEmulator, bot: FakeBot, kubelet: FakeKubelet
) -> None:
    refuse = RefusePodReads()
    k8s[refuse] << 500
    port = free_port()
    started = time.monotonic()
    async with operator_process(tmp_path, k8s, bot, port) as proc:
        with Recorder(
            f"http://127.0.0.1:{port}/metrics", job="tradingbot-operator", instance="op:8000"
        ) as rec:
            resp = await k8s.post(TB_PATH, json=tradingbot())
            assert resp.status < 300, await resp.text()
            try:
                await scenario.drive(Ctx(k8s, rec, proc, refuse))
            except AssertionError as exc:
                log = (tmp_path / "operator.log").read_text()[-3000:]
                raise AssertionError(f"{exc}\noperator log tail:\n{log}") from None
    judge(
        rec.recording,
        scale=SCALE,
        expect=scenario.expect,
        fresh_exposition=Metrics().render().decode(),
        workdir=tmp_path,
        scenario=f"{scenario.name} ({time.monotonic() - started:.1f}s real)",
    )
