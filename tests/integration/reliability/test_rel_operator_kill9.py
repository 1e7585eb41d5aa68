"""Suites 5 and 4: the operator as a real process, SIGKILLed mid-rollout and mid-gate, its output scanned.

Real: operator processes (`python -m tradingbot_operator` at DEBUG and `kopf run -m tradingbot_operator
--debug`, alternating), reaching the API through a kubeconfig; SIGKILL. Emulated: the API server
(rel_operator_emulator.FaultyEmulator), StatefulSet controller/kubelet, the bot's /healthz.

A TradingBot referencing planted secret values is rolled out, then changed again and again (new image,
or the Secret's data rotated to new planted values). Each change is followed by a SIGKILL of the
operator at a seeded point, then a new process:

- ``rollout``: right after the operator's k-th write since the change (k seeded, 1..5; the write is
  applied, the process never sees its answer): between the snapshot Secret, ControllerRevision,
  StatefulSet, status and Event writes;
- ``gate``: while the health gate is half way (1..3 of 4 successes recorded in status.gate).

The new process must finish the rollout (Ready/Stable on the newest image and secret data), a gate
interrupted half way must resume from status.gate (same start, same revision) and pass, and nothing is
done twice: one successful ControllerRevision create per change, one snapshot Secret per secret data,
no create of an object that already existed, at most one RolloutStarted event per revision (Events are
named per transition and posted before its status write, so a restarted pass finds rather than repeats
them), one StatefulSet, at most one Pod at
any sampled moment. Every operator process's stdout/stderr, and every object but the Secrets, must not
contain any planted value (plain, base64, base64url, URL-encoded).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import signal
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from rel_operator_emulator import FaultyEmulator
from rel_operator_scenario import REFS, SECRET_PATH, TB_PATH, merge_patch, post, sample_pods, settled
from reliability_harness import free_port

from tests.support.operator_harness import (
    EVENTS,
    SECRETS,
    FakeBot,
    FakeKubelet,
    eventually,
    health_template,
    secret,
    status,
    tradingbot,
    write_kubeconfig,
)

pytestmark = pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning")

SUCCESSES = 4
GATE = {
    "initialDelaySeconds": 0.1,
    "periodSeconds": 0.15,
    "successThreshold": SUCCESSES,
    "failureThreshold": 2,
    "progressDeadlineSeconds": 30,
}
WEBHOOK_REF = {"discordWebhookUrl": {"name": "gmo", "key": "webhook"}}


@pytest.fixture
def kmock_options() -> dict[str, Any]:
    return {"cls": FaultyEmulator}


def planted(n: int) -> dict[str, str]:
    """Distinctive values per rotation; `+`, `/`, `=` make the URL-encoded form differ from the plain."""
    return {
        "key": f"OpKillPlantedKEY{n}-9f3c1a",
        "secret": f"OpKillPlantedSECRET{n}+/x7=",
        "webhook": f"https://discord.example/api/webhooks/8{n}/OpKillPlantedHOOK{n}tok",
    }


def forms(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "plain": value,
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "url-encoded": urllib.parse.quote(value, safe=""),
        "form-encoded": urllib.parse.quote_plus(value),
    }


def leak_hits(values: list[str], texts: dict[str, str]) -> list[str]:
    """Where a planted value shows up: names the text and the form, never the value."""
    return [
        f"{where}: {label} of planted value #{i}"
        for where, text in texts.items()
        for i, value in enumerate(values)
        for label, form in forms(value).items()
        if form in text
    ]


class Operators:
    """Starts operator processes one after another; each one's output goes to its own file."""

    def __init__(self, tmp_path: Path, k8s: FaultyEmulator, bot: FakeBot) -> None:
        self.tmp_path = tmp_path
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADINGBOT_OPERATOR_")}
        env.update(
            {
                "KUBECONFIG": str(write_kubeconfig(tmp_path / "kubeconfig", str(k8s.url).rstrip("/"))),
                "TRADINGBOT_OPERATOR_HEALTH_URL_TEMPLATE": health_template(bot),
                "TRADINGBOT_OPERATOR_METRICS_PORT": "0",
                "TRADINGBOT_OPERATOR_PROBE_TIMEOUT_SECONDS": "1",
                "TRADINGBOT_OPERATOR_RESYNC_SECONDS": "5",
                "NO_PROXY": "127.0.0.1",
            }
        )
        self.env = env
        self.logs: list[Path] = []
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> asyncio.subprocess.Process:
        n = len(self.logs)
        env = dict(self.env)
        if n % 2 == 0:
            argv = [sys.executable, "-m", "tradingbot_operator"]
            env["TRADINGBOT_OPERATOR_LOG_LEVEL"] = "DEBUG"
            env["TRADINGBOT_OPERATOR_LIVENESS_ENDPOINT"] = f"http://127.0.0.1:{free_port()}/healthz"
        else:
            argv = [sys.executable, "-m", "kopf", "run", "-m", "tradingbot_operator", "--standalone",
                    "--all-namespaces", "--debug"]  # fmt: skip
        log = self.tmp_path / f"operator-{n}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=out, stderr=out)
        return self.proc

    def kill9(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)

    async def stop(self) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        return proc.returncode

    def output(self) -> dict[str, str]:
        return {log.name: log.read_text(errors="replace") for log in self.logs}


def rollout_events_by_revision(k8s: FaultyEmulator) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (res, _, _), obj in k8s.objects.items():
        if res == EVENTS and not obj.deleted and obj.raw.get("reason") == "RolloutStarted":
            revision = str(obj.raw.get("message", "")).split()[3]  # "rolling out revision <rev> ..."
            counts[revision] = counts.get(revision, 0) + 1
    return counts


def object_texts(k8s: FaultyEmulator) -> dict[str, str]:
    """Everything the API holds except Secrets (the planted ones and their snapshots carry the values)."""
    return {
        f"{res.plural}/{name}": json.dumps(obj.raw)
        for (res, _ns, name), obj in k8s.objects.items()
        if res != SECRETS and not obj.deleted
    }


async def run_operator_kills(
    tmp_path: Path, k8s: FaultyEmulator, bot: FakeBot, *, kills: int, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    ops = Operators(tmp_path, k8s, bot)
    stop = asyncio.Event()
    worst = [0]
    sampler = asyncio.create_task(sample_pods(k8s, stop, worst))
    image, values = "tradingbot:1.0", planted(0)
    all_values = list(values.values())
    reached: dict[str, Any] = {"rollout": 0, "gate": 0, "rotations": 0, "processes": 0}
    points: list[str] = []
    try:
        await post(k8s, SECRET_PATH, secret("gmo", **values))
        await post(k8s, TB_PATH, tradingbot(secrets=REFS | WEBHOOK_REF, healthGate=GATE))
        await ops.start()
        for n in range(kills):
            mode = "rollout" if n % 2 == 0 else "gate"
            if n > 0:
                # A change for this process to roll out: a new image, or rotated secret data.
                if rng.random() < 0.5:
                    image = f"tradingbot:2.{n}"
                    await merge_patch(k8s, f"{TB_PATH}/bot1", {"spec": {"image": image}})
                else:
                    values = planted(n)
                    all_values += list(values.values())
                    await merge_patch(k8s, f"{SECRET_PATH}/gmo", {"data": secret("gmo", **values)["data"]})
                    reached["rotations"] += 1
            proc = ops.proc
            assert proc is not None
            if mode == "rollout":
                writes, target = [0], rng.randint(1, 5)

                def kill_at(
                    method: str, path: str, code: int, writes: list[int] = writes, at: int = target
                ) -> None:
                    writes[0] += 1
                    if writes[0] == at:
                        ops.kill9()
                        what = path.split("/namespaces/")[-1].split("/", 1)[-1].split("/")
                        what[1:2] = [] if method == "POST" else what[1:2]  # a created object's name
                        points.append(f"after write {at} ({method} {'/'.join(what)})")

                k8s.after_write = kill_at
            else:
                successes = rng.randint(1, SUCCESSES - 1)
                await eventually(
                    lambda: (
                        (status(k8s, "bot1").get("gate") or {}).get("successes", 0) >= successes  # noqa: B023
                        and status(k8s, "bot1")["gate"].get("result") == "Pending"
                    ),
                    timeout=60,
                    what=f"kill {n}: gate at {successes} successes",
                )
                ops.kill9()
                points.append(f"gate at {successes}/{SUCCESSES}")
            try:
                await asyncio.wait_for(proc.wait(), 60)
            finally:
                k8s.after_write = None
            # An exit of its own (seen once in a loaded `make flake` run: exit 1 before kill 0, not
            # reproduced in 6 loaded runs since) must say why: the end of that process's log.
            tail = ops.logs[-1].read_text(errors="replace")[-1500:]
            assert proc.returncode == -signal.SIGKILL, f"kill {n}: exit {proc.returncode}; log ends: {tail}"
            reached[mode] += 1
            gate_then = dict(status(k8s, "bot1").get("gate") or {})
            await ops.start()
            reached["processes"] += 1
            key = values["key"]
            await eventually(
                lambda: settled(k8s, image, key),  # noqa: B023
                timeout=60,
                what=f"kill {n} ({mode}): Stable after the restart",
            )
            gate_now = status(k8s, "bot1")["gate"]
            if mode == "gate":
                assert (gate_now["startedAt"], gate_now["revision"]) == (
                    gate_then["startedAt"],
                    gate_then["revision"],
                ), f"kill {n}: the gate restarted instead of resuming: {gate_then} -> {gate_now}"
            assert gate_now["result"] == "Passed"
        rc = await ops.stop()
        assert rc == 0, f"the last operator process exited {rc}"
    finally:
        k8s.after_write = None
        stop.set()
        await sampler
        ops.kill9()
        await ops.stop()
    reached["processes"] += 1
    assert worst[0] <= 1, f"{worst[0]} pods of one bot at once"
    per_revision = rollout_events_by_revision(k8s)
    assert all(c == 1 for c in per_revision.values()), f"RolloutStarted per revision: {per_revision}"
    changes = kills - 1
    revisions = k8s.successful("POST", "/controllerrevisions/")
    snapshots = [p for p in k8s.successful("POST", "/secrets/") if not p.endswith("/secrets/gmo")]
    assert len(revisions) == len(set(revisions)) == changes + 1, revisions
    assert len(snapshots) == len(set(snapshots)) == reached["rotations"] + 1, snapshots
    refused = [(m, p, s) for m, p, s in k8s.outcomes if m == "POST" and s == 409]
    assert refused == [], f"creates of objects that already existed (a second writer?): {refused}"
    hits = leak_hits(all_values, ops.output() | object_texts(k8s))
    assert hits == [], hits
    # The scan finds what it looks for: the live Secrets hold the current planted values (base64).
    live = [o.raw for (r, _, _), o in k8s.objects.items() if r == SECRETS and not o.deleted]
    current = list(values.values())
    assert len(leak_hits(current, {"secrets": json.dumps(live)})) >= len(current), "the scan finds nothing"
    reached["kill_points"] = sorted(set(points))
    reached["planted_values"] = len(all_values)
    reached["log_bytes"] = sum(len(t) for t in ops.output().values())
    reached["rollout_events"] = sum(per_revision.values())
    reached["max_pods"] = worst[0]
    return reached


async def test_operator_kill9_short(
    tmp_path: Path, k8s: FaultyEmulator, bot: FakeBot, kubelet: FakeKubelet
) -> None:
    result = await run_operator_kills(tmp_path, k8s, bot, kills=2, seed=3)
    print(f"operator kill -9 (short): {result}")
    assert result["rollout"] == result["gate"] == 1


@pytest.mark.chaos
@pytest.mark.timeout(1800)
async def test_operator_kill9_long(
    tmp_path: Path, k8s: FaultyEmulator, bot: FakeBot, kubelet: FakeKubelet
) -> None:
    result = await run_operator_kills(tmp_path, k8s, bot, kills=20, seed=20261127)
    print(f"operator kill -9 (long): {result}")
