"""Write order of a transition: intent in the status first, then the workload; Events idempotent.

Real: the operator (kopf, in-process). Emulated: the API (kmock_fixed.FixedEmulator, whose `observers`
run after every applied write), StatefulSet controller/kubelet, bot /healthz (operator_harness).

The invariants, checked on every state the emulated API server held (after each write) and on a 5 ms
sample: whenever the StatefulSet's revision annotation differs from status.stableRevision, the status
does not claim Ready=True or phase Stable; and status.currentRevision only ever changes to a revision
the StatefulSet already carries. And: an error between the status write and the StatefulSet
patch (or between the Event and the status write) converges on the next pass with nothing done twice.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tradingbot_operator.render import REVISION_LABEL

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


def sts_revision(k8s: FixedEmulator) -> str | None:
    sts = get(k8s, STS, "bot1")
    return None if sts is None else (sts["metadata"].get("annotations") or {}).get(REVISION_LABEL)


class Invariant:
    """Whenever the StatefulSet runs another revision than status.stableRevision, status is not
    Ready/Stable. Records violations (an exception inside the emulator would only become a 500)."""

    def __init__(self, k8s: FixedEmulator) -> None:
        self.k8s = k8s
        self.checked = 0
        self.mismatched = 0  # states where the workload's revision is not the stable one
        self.violations: list[str] = []
        self.current: str | None = None
        self.current_changes = 0

    def __call__(self) -> None:
        revision = sts_revision(self.k8s)
        if revision is None or get(self.k8s, TB, "bot1") is None:
            return
        self.checked += 1
        st = status(self.k8s, "bot1")
        current = st.get("currentRevision")
        if current != self.current:
            self.current_changes += 1
            if current and current != revision:
                self.violations.append(
                    f"currentRevision became {current} while the StatefulSet is on {revision}"
                )
            self.current = current
        if revision == st.get("stableRevision"):
            return
        self.mismatched += 1
        ready = condition(self.k8s, "bot1", "Ready").get("status")
        if ready == "True" or st.get("phase") == "Stable":
            self.violations.append(
                f"StatefulSet on {revision}, status stable {st.get('stableRevision')!r}, "
                f"phase {st.get('phase')!r}, Ready {ready!r}"
            )


def done(k8s: FixedEmulator, image: str) -> bool:
    st = status(k8s, "bot1")
    sts = get(k8s, STS, "bot1") or {}
    containers = sts.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or [{}]
    return (
        condition(k8s, "bot1", "Ready").get("status") == "True"
        and st.get("phase") == "Stable"
        and bool(st.get("stableRevision"))
        and st.get("currentRevision") == st.get("stableRevision") == sts_revision(k8s)
        and containers[0].get("image") == image
    )


async def set_image(k8s: FixedEmulator, image: str) -> None:
    resp = await k8s.patch(f"{TB_PATH}/bot1", json={"spec": {"image": image}},
                           headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert resp.status < 300, await resp.text()


async def sample(invariant: Invariant, stop: asyncio.Event) -> None:
    while not stop.is_set():
        invariant()
        await asyncio.sleep(0.005)


async def create(k8s: FixedEmulator, obj: dict[str, Any]) -> None:
    resp = await k8s.post(f"{TB_PATH}", json=obj)
    assert resp.status < 300, await resp.text()


def revision_creates(k8s: FixedEmulator) -> int:
    return sum(1 for m, p in k8s.writes if m == "POST" and p.endswith("/controllerrevisions"))


async def test_status_never_claims_stable_on_a_revision_the_workload_does_not_run(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    invariant = Invariant(k8s)
    k8s.observers.append(invariant)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(invariant, stop))
    try:
        await create(k8s, tradingbot())
        await eventually(lambda: done(k8s, "tradingbot:1.0"), what="v1.0 stable")
        for image in ("tradingbot:1.1", "tradingbot:1.2"):
            await set_image(k8s, image)
            await eventually(lambda: done(k8s, image), what=f"{image} stable")  # noqa: B023
        stable = status(k8s, "bot1")["stableRevision"]
        await set_image(k8s, "tradingbot:broken")
        await eventually(
            lambda: (
                status(k8s, "bot1").get("phase") == "RolledBack"
                and sts_revision(k8s) == stable
                and condition(k8s, "bot1", "Ready").get("status") == "True"
            ),
            what="rolled back to the stable revision and Ready",
        )
        await set_image(k8s, "tradingbot:1.3")
        await eventually(lambda: done(k8s, "tradingbot:1.3"), what="1.3 stable after the rollback")
    finally:
        stop.set()
        await sampler
        k8s.observers.remove(invariant)
    assert invariant.violations == [], invariant.violations
    # The check saw the windows it is about: the workload on another revision than the stable one.
    assert invariant.mismatched > 0, invariant.__dict__
    assert invariant.current_changes >= 5, invariant.__dict__
    assert revision_creates(k8s) == 5
    assert len(events(k8s, "RolloutStarted")) == 5
    assert len(events(k8s, "RolledBack")) == 1


class FailNext:
    """A kmock reaction predicate: fails the next `method` request whose path ends with `suffix`,
    once armed, and then disarms itself."""

    def __init__(self, method: str, suffix: str) -> None:
        self.method, self.suffix = method, suffix
        self.armed = False
        self.fired = 0

    def __call__(self, request: Any) -> bool:
        method = str(getattr(request.method, "value", request.method)).upper()
        if not self.armed or method != self.method or not str(request.url.path).endswith(self.suffix):
            return False
        self.armed = False
        self.fired += 1
        return True


async def test_error_between_intent_and_statefulset_patch_converges_without_repeats(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    """The pass that recorded the rollout dies at its StatefulSet patch (a 403: not retried by the
    client): the status already says Progressing with the gate on the new revision (not Stable), while
    currentRevision still names the template the StatefulSet carries; the next pass patches the
    StatefulSet itself (GATE applies the gated revision) without a second revision or Event."""
    invariant = Invariant(k8s)
    k8s.observers.append(invariant)
    fail_patch = FailNext("PATCH", "/statefulsets/bot1")
    k8s[fail_patch] << 403
    try:
        await create(k8s, tradingbot())
        await eventually(lambda: done(k8s, "tradingbot:1.0"), what="v1.0 stable")
        old = sts_revision(k8s)
        fail_patch.armed = True
        await set_image(k8s, "tradingbot:1.1")
        await eventually(lambda: fail_patch.fired == 1, what="the StatefulSet patch failed")
        st = status(k8s, "bot1")
        assert st["gate"]["revision"] != old, "the intent was recorded before the patch"
        # (kmock applies a write before a reaction answers it with an error, so the StatefulSet may
        # well carry the new template already: the status must still not claim it.)
        assert st["currentRevision"] == old, "current changes only after a patch that succeeded"
        assert st["phase"] == "Progressing"
        await eventually(lambda: done(k8s, "tradingbot:1.1"), what="1.1 stable after the failed patch")
    finally:
        k8s.observers.remove(invariant)
    assert invariant.violations == [], invariant.violations
    assert revision_creates(k8s) == 2
    assert len(events(k8s, "RolloutStarted")) == 2


async def test_error_between_event_and_status_write_posts_the_event_once(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    """The RolloutStarted Event is posted, then the status write fails (a 403: not retried by the
    client): the repeated pass finds the Event by its name and does not post it again; the rollout
    completes."""
    fail_status = FailNext("PATCH", "/tradingbots/bot1/status")
    k8s[fail_status] << 403
    await create(k8s, tradingbot())
    await eventually(lambda: done(k8s, "tradingbot:1.0"), what="v1.0 stable")
    fail_status.armed = True
    await set_image(k8s, "tradingbot:1.1")
    await eventually(lambda: done(k8s, "tradingbot:1.1"), what="1.1 stable after the failed status write")
    assert fail_status.fired == 1
    assert len(events(k8s, "RolloutStarted")) == 2
    assert len(events(k8s, "GatePassed")) == 2
    assert revision_creates(k8s) == 2
