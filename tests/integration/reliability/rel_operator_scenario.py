"""Shared steps of the operator reliability suites (test_rel_operator_watch.py, test_rel_operator_kill9.py):
the TradingBot under test, its changes, and the checks of where a change has got to."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from rel_operator_emulator import FaultyEmulator
from tradingbot_operator.render import REVISION_LABEL

from tests.support.operator_harness import EVENTS, NS, PODS, SECRETS, STS, TB, condition, get, names, status

TB_PATH = f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots"
SECRET_PATH = f"/api/v1/namespaces/{NS}/secrets"
REFS = {"gmoApiKey": {"name": "gmo", "key": "key"}, "gmoApiSecret": {"name": "gmo", "key": "secret"}}
MERGE = {"Content-Type": "application/merge-patch+json"}


def sts_image(k8s: FaultyEmulator) -> str | None:
    sts = get(k8s, STS, "bot1")
    return None if sts is None else str(sts["spec"]["template"]["spec"]["containers"][0]["image"])


def sts_secret_values(k8s: FaultyEmulator) -> set[str]:
    """The decoded values of the snapshot Secret the StatefulSet's pod template mounts."""
    sts = get(k8s, STS, "bot1")
    if sts is None:
        return set()
    for volume in sts["spec"]["template"]["spec"].get("volumes", []):
        snapshot = get(k8s, SECRETS, volume.get("secret", {}).get("secretName", ""))
        if snapshot is not None:
            return {base64.b64decode(v).decode() for v in snapshot.get("data", {}).values()}
    return set()


def settled(k8s: FaultyEmulator, image: str, key: str) -> bool:
    """Ready/Stable on the newest spec and secret data: the change went all the way through the gate.

    The StatefulSet's revision must be the stable one too: the operator records a rollout in status before
    it patches the StatefulSet, so current == stable == the StatefulSet's revision means it went through."""
    st = status(k8s, "bot1")
    tb = get(k8s, TB, "bot1") or {}
    sts = get(k8s, STS, "bot1") or {}
    return (
        condition(k8s, "bot1", "Ready").get("status") == "True"
        and st.get("phase") == "Stable"
        and st.get("observedGeneration") == tb.get("metadata", {}).get("generation")
        and bool(st.get("stableRevision"))
        and st.get("stableRevision") == st.get("currentRevision")
        and (sts.get("metadata", {}).get("annotations") or {}).get(REVISION_LABEL) == st["stableRevision"]
        and sts_image(k8s) == image
        and key in sts_secret_values(k8s)
    )


async def sample_pods(k8s: FaultyEmulator, stop: asyncio.Event, worst: list[int]) -> None:
    while not stop.is_set():
        worst[0] = max(worst[0], len({n for n in names(k8s, PODS) if n.startswith("bot1")}))
        await asyncio.sleep(0.01)


def rollout_events(k8s: FaultyEmulator) -> int:
    return sum(
        1
        for (res, _, _), obj in k8s.objects.items()
        if res == EVENTS and not obj.deleted and obj.raw.get("reason") == "RolloutStarted"
    )


async def post(k8s: FaultyEmulator, path: str, obj: dict[str, Any]) -> None:
    resp = await k8s.post(path, json=obj)
    assert resp.status < 300, await resp.text()


async def merge_patch(k8s: FaultyEmulator, path: str, patch: dict[str, Any]) -> None:
    resp = await k8s.patch(path, json=patch, headers=MERGE)
    assert resp.status < 300, await resp.text()
