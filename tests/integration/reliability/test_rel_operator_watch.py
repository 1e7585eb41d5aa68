"""Suite 5: the real operator (kopf, in-process) while the emulated API cuts its watch streams.

Real: the operator and kopf's watch/list client. Emulated (rel_operator_emulator.FaultyEmulator over
tests/integration/operator/operator_harness.py): the API server and its watch cuts, the StatefulSet
controller/kubelet, the bot's /healthz.

Every watch of TradingBots and Secrets is cut (seeded: server EOF, aborted connection, connection torn in
the middle of an event line, ERROR 410 "too old resource version", watch request refused with 500) a
few events or a fraction of a second after it starts, while a TradingBot is rolled out and then changed
again and again (new image, rotated Secret data), each change gated to Stable, and finally deleted.
The operator must
reconnect (a new watch after every cut, a re-list after every 410), reach Ready/Stable on every change
and act once: one successful ControllerRevision create per change and no create that found the object
already there (a second writer), one snapshot Secret per distinct secret data, one RolloutStarted
event per change, one StatefulSet, at most one Pod of the bot at any sampled moment; and the deletion
completes (finalizer released).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest
from rel_operator_emulator import CUTS, FaultyEmulator, WatchCutter
from rel_operator_scenario import (
    REFS,
    SECRET_PATH,
    TB_PATH,
    merge_patch,
    post,
    rollout_events,
    sample_pods,
    settled,
)

from tests.support.operator_harness import STS, TB, OperatorRunner, eventually, names, secret, tradingbot

pytestmark = pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning")


@pytest.fixture
def kmock_options() -> dict[str, Any]:
    return {"cls": FaultyEmulator}


def assert_reconnected(k8s: FaultyEmulator) -> dict[str, int]:
    """After every cut of a resource's watch the operator watched it again; after every 410 it re-listed."""
    log = k8s.watch_log
    counts = {"rewatched": 0, "relisted": 0}
    for i, (plural, what, _) in enumerate(log):
        if not what.startswith("cut:"):
            continue
        later = [w for p, w, _ in log[i + 1 :] if p == plural]
        assert "watch" in later, f"no new watch of {plural} after the {what} at #{i}"
        counts["rewatched"] += 1
        if what == "cut:gone":
            assert "list" in later, f"no re-list of {plural} after a 410 at #{i}"
            counts["relisted"] += 1
    return counts


def assert_single_actions(k8s: FaultyEmulator, changes: int, rotations: int) -> dict[str, int]:
    """The emulated API's answers: each object the operator creates was created once."""
    creates = {
        "revisions": k8s.successful("POST", "/controllerrevisions/"),
        # The test itself creates Secret "gmo" once; every other Secret create is a snapshot.
        "snapshots": [p for p in k8s.successful("POST", "/secrets/") if not p.endswith("/secrets/gmo")],
    }
    assert len(creates["revisions"]) == changes + 1, creates["revisions"]
    assert len(set(creates["revisions"])) == changes + 1, "a ControllerRevision created twice"
    assert len(creates["snapshots"]) == rotations + 1, creates["snapshots"]
    assert len(set(creates["snapshots"])) == rotations + 1, "a snapshot Secret created twice"
    refused = [(m, p, s) for m, p, s in k8s.outcomes if m == "POST" and s == 409]
    assert refused == [], f"creates of objects that already existed (a second writer?): {refused}"
    assert rollout_events(k8s) == changes + 1, f"{rollout_events(k8s)} RolloutStarted for {changes + 1}"
    assert names(k8s, STS) == {"bot1"}
    return {"revision_creates": len(creates["revisions"]), "snapshot_creates": len(creates["snapshots"])}


async def run_watch_cuts(
    k8s: FaultyEmulator, operator: OperatorRunner, *, changes: int, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    cutter = WatchCutter(random.Random(seed + 1))
    k8s.cutter = cutter
    stop = asyncio.Event()
    worst = [0]
    sampler = asyncio.create_task(sample_pods(k8s, stop, worst))
    image, key = "tradingbot:1.0", "watch-key-0"
    latencies: list[float] = []
    rotations = 0
    try:
        cutter.enabled = True
        await post(k8s, SECRET_PATH, secret("gmo", key=key, secret="watch-secret-0"))
        await post(k8s, TB_PATH, tradingbot(secrets=REFS))
        await eventually(lambda: settled(k8s, image, key), timeout=60, what="first rollout Stable")
        for n in range(1, changes + 1):
            if n % 2 or rng.random() < 0.3:  # short runs: image, then rotation
                image = f"tradingbot:1.{n}"
                await merge_patch(k8s, f"{TB_PATH}/bot1", {"spec": {"image": image}})
            else:
                key = f"watch-key-{n}"
                data = {"key": key, "secret": f"watch-secret-{n}"}
                await merge_patch(k8s, f"{SECRET_PATH}/gmo", {"data": secret("gmo", **data)["data"]})
                rotations += 1
            began = time.monotonic()
            await eventually(
                lambda: settled(k8s, image, key),  # noqa: B023
                timeout=60,
                what=f"change {n} Stable",
            )
            latencies.append(time.monotonic() - began)
        # Deleting under cuts: the operator must still see the deletionTimestamp, stop the bot's loop
        # and release its finalizer, or the TradingBot would hang in Terminating.
        resp = await k8s.delete(f"{TB_PATH}/bot1")
        assert resp.status < 300, await resp.text()
        await eventually(lambda: names(k8s, TB) == set(), timeout=30, what="TradingBot deleted under cuts")
        cutter.enabled = False
        # The last cut's reconnection: a fresh watch of each resource after it.
        await eventually(
            lambda: all(
                [w for p, w, _ in k8s.watch_log if p == plural][-1] == "watch"
                for plural in ("tradingbots", "secrets")
            ),
            timeout=10,
            what="watches re-established after the last cut",
        )
    finally:
        cutter.enabled = False
        stop.set()
        await sampler
    assert worst[0] <= 1, f"{worst[0]} pods of one bot at once"
    result: dict[str, Any] = {"changes": changes, "rotations": rotations, "cuts": dict(cutter.cuts)}
    result |= assert_single_actions(k8s, changes, rotations)
    result |= assert_reconnected(k8s)
    result["max_pods"] = worst[0]
    result["max_change_seconds"] = round(max(latencies), 2)
    return result


async def test_operator_watch_cuts_short(k8s: FaultyEmulator, operator: OperatorRunner) -> None:
    result = await run_watch_cuts(k8s, operator, changes=2, seed=7)
    print(f"operator watch cuts (short): {result}")
    assert sum(result["cuts"].values()) >= 4, result


@pytest.mark.chaos
@pytest.mark.timeout(1800)
async def test_operator_watch_cuts_long(k8s: FaultyEmulator, operator: OperatorRunner) -> None:
    result = await run_watch_cuts(k8s, operator, changes=100, seed=20261127)
    print(f"operator watch cuts (long): {result}")
    assert set(result["cuts"]) == set(CUTS), result
