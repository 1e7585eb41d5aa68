"""Rollout controls (retry, abort, promote, pause/resume) given through `ctl` against the emulated API;
none of them writes the status, each is an Event and a condition reason, each one-shot annotation is
removed once acted on.

Real: the operator (in-process), `tradingbot_operator.ctl` (its commands and its API client). Emulated:
the API (kmock_fixed), StatefulSet controller + kubelet, the bot's /healthz (FakeBot, with images the
test marks unhealthy and then fixes).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from tradingbot_operator import ctl
from tradingbot_operator.kube import Connection, KubeApi

from tests.support.kmock_fixed import FixedEmulator
from tests.support.operator_harness import (
    NS,
    STS,
    TB,
    OperatorRunner,
    condition,
    events,
    eventually,
    get,
    status,
    tradingbot,
)

pytestmark = pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning")

TB_PATH = f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots"
SLOW_GATE = {
    "initialDelaySeconds": 0.1,
    "periodSeconds": 0.1,
    "successThreshold": 500,  # never passes by itself within the test
    "failureThreshold": 2,
    "progressDeadlineSeconds": 300,
}


async def kubectl_tradingbot(k8s: FixedEmulator, *argv: str) -> str:
    api = KubeApi(Connection(str(k8s.url).rstrip("/"), insecure=True))
    out = io.StringIO()
    try:
        assert await ctl.run([*argv, "-n", NS], api, out) == 0
    finally:
        await api.aclose()
    return out.getvalue()


async def create(k8s: FixedEmulator, obj: dict[str, Any]) -> None:
    resp = await k8s.post(TB_PATH, json=obj)
    assert resp.status < 300, await resp.text()


async def patch_spec(k8s: FixedEmulator, spec: dict[str, Any]) -> None:
    resp = await k8s.patch(
        f"{TB_PATH}/bot1", json={"spec": spec}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert resp.status < 300, await resp.text()


def image(k8s: FixedEmulator) -> str:
    return str((get(k8s, STS, "bot1") or {})["spec"]["template"]["spec"]["containers"][0]["image"])


def annotations(k8s: FixedEmulator) -> dict[str, str]:
    return dict((get(k8s, TB, "bot1") or {})["metadata"].get("annotations") or {})


def stable(k8s: FixedEmulator) -> bool:
    return (
        condition(k8s, "bot1", "Ready").get("status") == "True"
        and status(k8s, "bot1").get("phase") == "Stable"
    )


async def gate_in_progress(k8s: FixedEmulator, new_image: str) -> str:
    await create(k8s, tradingbot())
    await eventually(lambda: stable(k8s), what="v1 stable")
    await patch_spec(k8s, {"image": new_image, "healthGate": SLOW_GATE})
    await eventually(
        lambda: image(k8s) == new_image and status(k8s, "bot1")["gate"]["successes"] >= 1,
        what="the new revision under its gate",
    )
    return str(status(k8s, "bot1")["gate"]["revision"])


async def test_abort_rolls_back_now(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    await create(k8s, tradingbot())
    await eventually(lambda: stable(k8s), what="v1 stable")
    stable_before = status(k8s, "bot1")["stableRevision"]
    await patch_spec(k8s, {"image": "tradingbot:2.0", "healthGate": SLOW_GATE})
    await eventually(lambda: image(k8s) == "tradingbot:2.0", what="2.0 under its gate")

    await kubectl_tradingbot(k8s, "abort", "bot1")
    await eventually(lambda: status(k8s, "bot1").get("phase") == "RolledBack", what="rolled back")
    st = status(k8s, "bot1")
    assert st["currentRevision"] == stable_before
    assert image(k8s) == "tradingbot:1.0", "RolledBack is written only once the StatefulSet is back"
    assert condition(k8s, "bot1", "Progressing")["reason"] == "Aborted"
    assert "aborted" in st["lastRollback"]["reason"]
    await eventually(lambda: events(k8s, "Aborted"), what="Aborted event")
    await eventually(lambda: "tradingbot.dev/abort" not in annotations(k8s), what="abort acknowledged")
    # The aborted revision is a failed one: not retried by itself.
    assert st["failedRevisions"][-1] == st["lastRollback"]["fromRevision"]


async def test_promote_ends_the_gate_early_and_is_recorded(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    gated = await gate_in_progress(k8s, "tradingbot:2.0")
    view = await kubectl_tradingbot(k8s, "get", "bot1")
    assert "◌ Progressing" in view
    assert gated in view

    await kubectl_tradingbot(k8s, "promote", "bot1")
    await eventually(lambda: stable(k8s) and status(k8s, "bot1")["stableRevision"] == gated, what="promoted")
    gate = status(k8s, "bot1")["gate"]
    assert gate["result"] == "Passed"
    assert "promoted by the tradingbot.dev/promote annotation" in gate["reason"]
    promoted = await eventually(lambda: events(k8s, "Promoted"), what="Promoted event")
    assert gated in promoted[0]["message"]
    await eventually(lambda: "tradingbot.dev/promote" not in annotations(k8s), what="promote acknowledged")
    assert "✔ Stable" in (await kubectl_tradingbot(k8s, "get", "bot1"))


async def test_retry_rolls_out_a_failed_revision_again(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    operator.bot.refused_images.add("tradingbot:2.0")
    await create(k8s, tradingbot())
    await eventually(lambda: stable(k8s), what="v1 stable")
    await patch_spec(k8s, {"image": "tradingbot:2.0"})
    await eventually(lambda: status(k8s, "bot1").get("phase") == "RolledBack", what="2.0 failed")
    failed = status(k8s, "bot1")["failedRevisions"][-1]
    assert "✖ Failed" in (await kubectl_tradingbot(k8s, "get", "bot1"))

    operator.bot.refused_images.clear()  # the fault outside the bot is fixed
    await kubectl_tradingbot(k8s, "retry", "bot1")
    await eventually(
        lambda: stable(k8s) and status(k8s, "bot1")["stableRevision"] == failed, timeout=10, what="retried"
    )
    assert image(k8s) == "tradingbot:2.0"
    assert failed not in status(k8s, "bot1")["failedRevisions"]
    await eventually(lambda: events(k8s, "Retried"), what="Retried event")
    await eventually(lambda: "tradingbot.dev/retry" not in annotations(k8s), what="retry acknowledged")


async def test_pause_holds_a_spec_change_until_resume(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    await create(k8s, tradingbot())
    await eventually(lambda: stable(k8s), what="v1 stable")
    await kubectl_tradingbot(k8s, "pause", "bot1")
    await eventually(lambda: condition(k8s, "bot1", "Progressing").get("reason") == "Paused", what="Paused")
    await eventually(lambda: events(k8s, "Paused"), what="Paused event")

    await patch_spec(k8s, {"image": "tradingbot:3.0"})
    generation = (get(k8s, TB, "bot1") or {})["metadata"]["generation"]
    # A pass ran while paused (it records the generation it saw) and left the workload alone.
    await eventually(
        lambda: status(k8s, "bot1").get("observedGeneration") == generation, what="a pass while paused"
    )
    assert image(k8s) == "tradingbot:1.0"
    assert "Paused:        yes" in (await kubectl_tradingbot(k8s, "get", "bot1"))

    await kubectl_tradingbot(k8s, "resume", "bot1")
    await eventually(lambda: stable(k8s) and image(k8s) == "tradingbot:3.0", what="rolled out after resume")
    await eventually(lambda: events(k8s, "Resumed"), what="Resumed event")


async def test_a_control_with_nothing_to_act_on_is_acknowledged_and_changes_nothing(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    await create(k8s, tradingbot())
    await eventually(lambda: stable(k8s), what="v1 stable")
    before = dict(status(k8s, "bot1"))
    await kubectl_tradingbot(k8s, "abort", "bot1")
    await eventually(lambda: events(k8s, "AbortIgnored"), what="AbortIgnored event")
    await eventually(lambda: "tradingbot.dev/abort" not in annotations(k8s), what="acknowledged")
    after = status(k8s, "bot1")
    assert (after["phase"], after["currentRevision"], after["stableRevision"]) == (
        before["phase"],
        before["currentRevision"],
        before["stableRevision"],
    )
