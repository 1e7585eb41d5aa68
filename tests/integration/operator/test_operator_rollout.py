"""The real operator (kopf, in-process) against the emulated API (operator_harness.py: what is emulated)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.support.kmock_fixed import FixedEmulator
from tests.support.operator_harness import (
    CONFIGMAPS,
    EVENTS,
    NS,
    PODS,
    REVISIONS,
    SECRETS,
    SERVICES,
    STS,
    TB,
    OperatorRunner,
    condition,
    events,
    eventually,
    get,
    names,
    secret,
    status,
    tradingbot,
)

# kmock 0.8 loads its bundled resource list with a deprecated importlib call.
pytestmark = pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning")

TB_PATH = f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots"


async def create(k8s: FixedEmulator, obj: dict[str, Any]) -> None:
    prefix = "/api/v1" if obj["apiVersion"] == "v1" else f"/apis/{obj['apiVersion']}"
    plural = {"Secret": "secrets", "TradingBot": "tradingbots"}[obj["kind"]]
    resp = await k8s.post(f"{prefix}/namespaces/{NS}/{plural}", json=obj)
    assert resp.status < 300, await resp.text()


async def patch_tb(k8s: FixedEmulator, name: str, spec: dict[str, Any]) -> None:
    resp = await k8s.patch(
        f"{TB_PATH}/{name}", json={"spec": spec}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert resp.status < 300, await resp.text()


async def put_secret_data(k8s: FixedEmulator, name: str, **files: str) -> None:
    body = secret(name, **files)
    resp = await k8s.patch(
        f"/api/v1/namespaces/{NS}/secrets/{name}",
        json={"data": body["data"]},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert resp.status < 300, await resp.text()


def ready(k8s: FixedEmulator, name: str = "bot1") -> bool:
    return (
        condition(k8s, name, "Ready").get("status") == "True" and status(k8s, name).get("phase") == "Stable"
    )


async def test_create_rolls_out_gates_and_becomes_ready(
    k8s: FixedEmulator, operator: OperatorRunner, caplog: pytest.LogCaptureFixture
) -> None:
    """Create -> rollout -> gate pass -> Ready; every child owned and labelled; events posted.

    Real: operator, reconciler, prober, HTTP. Emulated: API (kmock), StatefulSet controller + kubelet,
    the bot's /healthz."""
    caplog.set_level(logging.DEBUG)
    await create(k8s, secret("discord", url="https://discord.invalid/hook"))
    await create(k8s, tradingbot(secrets={"discordWebhookUrl": {"name": "discord", "key": "url"}}))
    await eventually(lambda: ready(k8s), what="Ready=True")

    st = status(k8s, "bot1")
    assert st["currentRevision"] == st["stableRevision"]
    assert st["observedGeneration"] == 1
    assert st["monitorStatus"] == "active"
    assert condition(k8s, "bot1", "SecretsReady")["status"] == "True"
    assert condition(k8s, "bot1", "Degraded")["status"] == "False"
    sts = get(k8s, STS, "bot1")
    assert sts is not None
    assert sts["spec"]["replicas"] == 1
    uid = get(k8s, TB, "bot1")["metadata"]["uid"]  # type: ignore[index]
    owned = [sts, get(k8s, SERVICES, "bot1-metrics")]
    owned += [get(k8s, CONFIGMAPS, n) for n in names(k8s, CONFIGMAPS)]
    owned += [get(k8s, SECRETS, n) for n in names(k8s, SECRETS) if n.startswith("bot1-secrets-")]
    owned += [get(k8s, REVISIONS, n) for n in names(k8s, REVISIONS)]
    assert len(owned) == 5
    for obj in owned:
        assert obj is not None
        assert obj["metadata"]["ownerReferences"][0]["uid"] == uid
        assert obj["metadata"]["labels"]["app.kubernetes.io/instance"] == "bot1"
    await eventually(
        lambda: {"RolloutStarted", "GatePassed"} <= {e["reason"] for e in events(k8s)}, what="events"
    )
    # Secret values never leave the snapshot: not in status, events or the ConfigMap.
    dump = (
        repr(status(k8s, "bot1"))
        + repr(events(k8s))
        + repr([get(k8s, CONFIGMAPS, n) for n in names(k8s, CONFIGMAPS)])
    )
    dump += caplog.text  # the operator's logs (its thread logs into the same root logger)
    assert "discord.invalid" not in dump
    assert "aHR0cHM6Ly9kaXNjb3Jk" not in dump


async def test_steady_state_writes_nothing(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    """Once stable, reconcile passes (several gate periods) write nothing to the API.

    Real: operator. Emulated: API (kmock, which logs every write), kubelet, bot /healthz."""
    await create(k8s, tradingbot())
    await eventually(lambda: ready(k8s), what="Ready=True")
    await eventually(lambda: events(k8s, "GatePassed"), what="GatePassed event (posted after the status)")
    probes_before = operator.bot.probes
    writes_before = k8s.count_writes(exclude_events=False)
    await eventually(lambda: operator.bot.probes >= probes_before + 5, what="5 more steady-state probes")
    assert k8s.writes[writes_before:] == []


async def test_bad_image_fails_gate_rolls_back_and_is_not_retried(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    """Stable v1 -> bad image -> gate fails -> rollback to v1, Degraded, failed revision not retried;
    a new spec change is tried normally.

    Real: operator. Emulated: API, kubelet (ImagePullBackOff for 'badimage'), bot /healthz."""
    await create(k8s, tradingbot())
    await eventually(lambda: ready(k8s), what="v1 stable")
    stable = status(k8s, "bot1")["stableRevision"]

    await patch_tb(k8s, "bot1", {"image": "tradingbot:badimage"})
    await eventually(lambda: status(k8s, "bot1").get("phase") == "RolledBack", what="rollback")
    st = status(k8s, "bot1")
    failed = st["failedRevisions"][-1]
    assert st["currentRevision"] == stable
    assert st["stableRevision"] == stable
    assert st["lastRollback"]["fromRevision"] == failed
    assert st["lastRollback"]["toRevision"] == stable
    assert "ImagePullBackOff" in st["lastRollback"]["reason"]
    assert condition(k8s, "bot1", "Degraded")["status"] == "True"
    sts = get(k8s, STS, "bot1")
    assert sts["spec"]["template"]["spec"]["containers"][0]["image"] == "tradingbot:1.0"  # type: ignore[index]
    await eventually(lambda: events(k8s, "RolledBack"), what="RolledBack event")
    assert operator.runtime is not None
    registry = operator.runtime.metrics.registry
    assert (
        registry.get_sample_value("tradingbot_operator_rollbacks_total", {"namespace": NS, "name": "bot1"})
        == 1
    )
    assert registry.get_sample_value("tradingbot_operator_gate_results_total", {"result": "Failed"}) == 1
    await eventually(lambda: condition(k8s, "bot1", "Ready").get("status") == "True", what="v1 healthy again")

    # Not retried: more reconcile passes leave the StatefulSet on the stable revision.
    probes = operator.bot.probes
    await eventually(lambda: operator.bot.probes >= probes + 5, what="more passes")
    assert get(k8s, STS, "bot1")["metadata"]["annotations"]["tradingbot.dev/revision"] == stable  # type: ignore[index]
    assert len(events(k8s, "RolloutStarted")) == 2
    assert len(events(k8s, "RolledBack")) == 1

    # A new spec change is a new revision and is tried normally.
    await patch_tb(k8s, "bot1", {"image": "tradingbot:1.1"})
    await eventually(
        lambda: ready(k8s) and status(k8s, "bot1")["stableRevision"] not in (stable, failed),
        what="v1.1 stable",
    )
    assert condition(k8s, "bot1", "Degraded")["status"] == "False"


async def test_unhealthy_bot_fails_gate_by_probe(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    """The pod runs but /healthz answers 503: failureThreshold probes fail it; nothing stable -> Failed.

    Real: operator. Emulated: API, kubelet, bot /healthz (503 for a 'broken' image)."""
    await create(k8s, tradingbot(image="tradingbot:broken"))
    await eventually(lambda: status(k8s, "bot1").get("phase") == "Failed", what="Failed")
    st = status(k8s, "bot1")
    assert st["failedRevisions"] == [st["currentRevision"]]
    assert "consecutive unhealthy probes" in st["gate"]["reason"]
    assert condition(k8s, "bot1", "Degraded")["reason"] == "GateFailed"
    await eventually(lambda: events(k8s, "GateFailed"), what="GateFailed event")


async def test_secret_rotation_makes_new_gated_revision(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    """Rotating a referenced Secret snapshots it anew, rolls out a new revision behind the gate.

    Real: operator (watching Secrets). Emulated: API, kubelet, bot /healthz."""
    await create(k8s, secret("gmo", key="k1", secret="s1"))
    refs = {"gmoApiKey": {"name": "gmo", "key": "key"}, "gmoApiSecret": {"name": "gmo", "key": "secret"}}
    await create(k8s, tradingbot(secrets=refs))
    await eventually(lambda: ready(k8s), what="v1 stable")
    first = status(k8s, "bot1")["stableRevision"]
    old_snapshots = {n for n in names(k8s, SECRETS) if n.startswith("bot1-secrets-")}

    await put_secret_data(k8s, "gmo", key="k2", secret="s2")
    await eventually(
        lambda: ready(k8s) and status(k8s, "bot1")["stableRevision"] != first, what="rotated stable"
    )
    snapshots = {n for n in names(k8s, SECRETS) if n.startswith("bot1-secrets-")}
    new_snapshot = (snapshots - old_snapshots).pop()
    assert (get(k8s, SECRETS, new_snapshot) or {})["immutable"] is True
    pod = get(k8s, PODS, "bot1-0") or {}
    volume = {"name": "secrets", "secret": {"secretName": new_snapshot, "defaultMode": 0o400}}
    assert volume in pod["spec"]["volumes"]
    await eventually(lambda: events(k8s, "SecretsChanged"), what="SecretsChanged event")


async def test_rotation_to_broken_secret_rolls_back_to_old_snapshot(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    """A rotated secret that makes the bot unhealthy fails the gate; the rollback mounts the old snapshot.

    Real: operator. Emulated: API, kubelet, bot /healthz (503 when a secret value starts with 'broken')."""
    await create(k8s, secret("gmo", key="k1", secret="s1"))
    refs = {"gmoApiKey": {"name": "gmo", "key": "key"}, "gmoApiSecret": {"name": "gmo", "key": "secret"}}
    await create(k8s, tradingbot(secrets=refs))
    await eventually(lambda: ready(k8s), what="v1 stable")
    volumes = get(k8s, PODS, "bot1-0")["spec"]["volumes"]  # type: ignore[index]

    await put_secret_data(k8s, "gmo", key="broken-key", secret="s1")
    await eventually(lambda: status(k8s, "bot1").get("phase") == "RolledBack", what="rollback")
    await eventually(
        lambda: (get(k8s, PODS, "bot1-0") or {})["spec"]["volumes"] == volumes, what="old snapshot mounted"
    )
    await eventually(
        lambda: condition(k8s, "bot1", "Ready").get("status") == "True", what="healthy on old snapshot"
    )


async def test_missing_secret_reports_secrets_ready_false(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    """A missing referenced Secret: SecretsReady=False with the reason, nothing rolled out; creating the
    Secret then lets the rollout proceed.

    Real: operator. Emulated: API, kubelet, bot /healthz."""
    refs = {"discordWebhookUrl": {"name": "absent", "key": "url"}}
    await create(k8s, tradingbot(secrets=refs))
    await eventually(
        lambda: condition(k8s, "bot1", "SecretsReady").get("reason") == "SecretNotFound",
        what="SecretsReady=False",
    )
    assert get(k8s, STS, "bot1") is None
    await eventually(lambda: events(k8s, "SecretsNotReady"), what="SecretsNotReady event")
    await create(k8s, secret("absent", url="https://discord.invalid/x"))
    await eventually(lambda: ready(k8s), what="stable after the secret appears")


async def test_operator_restart_mid_gate_resumes(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    """The operator is stopped in the middle of a gate and started again: the gate resumes from status
    (same startedAt, probes counted on) instead of starting over.

    Real: two operator instances in turn. Emulated: API, kubelet, bot /healthz."""
    spec_gate = {
        "initialDelaySeconds": 0.1,
        "periodSeconds": 0.2,
        "successThreshold": 6,
        "failureThreshold": 2,
        "progressDeadlineSeconds": 10,
    }
    await create(k8s, tradingbot(healthGate=spec_gate))
    await eventually(
        lambda: status(k8s, "bot1").get("gate", {}).get("successes", 0) >= 2, what="gate half way"
    )
    await operator.stop()
    gate_then = status(k8s, "bot1")["gate"]
    assert gate_then["result"] == "Pending"

    await operator.start()
    await eventually(lambda: ready(k8s), what="Ready after restart")
    gate_now = status(k8s, "bot1")["gate"]
    assert gate_now["startedAt"] == gate_then["startedAt"]
    assert gate_now["revision"] == gate_then["revision"]
    assert len(events(k8s, "RolloutStarted")) == 1


async def test_suspend_leaves_workload_alone(k8s: FixedEmulator, operator: OperatorRunner) -> None:
    """suspend: true -> phase Suspended and spec changes are not rolled out until resumed.

    Real: operator. Emulated: API, kubelet, bot /healthz."""
    await create(k8s, tradingbot())
    await eventually(lambda: ready(k8s), what="stable")
    await patch_tb(k8s, "bot1", {"suspend": True, "image": "tradingbot:2.0"})
    await eventually(lambda: status(k8s, "bot1").get("phase") == "Suspended", what="Suspended")
    assert get(k8s, STS, "bot1")["spec"]["template"]["spec"]["containers"][0]["image"] == "tradingbot:1.0"  # type: ignore[index]
    await patch_tb(k8s, "bot1", {"suspend": False})
    await eventually(
        lambda: (
            (get(k8s, STS, "bot1") or {})["spec"]["template"]["spec"]["containers"][0]["image"]
            == "tradingbot:2.0"
        ),
        what="rolled out after resume",
    )


def fake_gc(k8s: FixedEmulator, owner_uid: str) -> int:
    """What the API server's garbage collector does for owner references (not emulated by kmock)."""
    removed = 0
    for key, obj in list(k8s.objects.items()):
        if obj.deleted or key[0] == EVENTS:
            continue
        owners = obj.raw.get("metadata", {}).get("ownerReferences") or []
        if any(o.get("uid") == owner_uid for o in owners):
            obj.delete()
            removed += 1
    return removed


async def test_delete_releases_finalizer_and_children_are_collectable(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    """Delete -> the operator's daemon stops and its finalizer is removed; every child is owned by the CR,
    so garbage collection (emulated by fake_gc) removes them all.

    Real: operator, finalizer handling. Emulated: API, garbage collector, kubelet, bot /healthz."""
    await create(k8s, tradingbot())
    await eventually(lambda: ready(k8s), what="stable")
    uid = get(k8s, TB, "bot1")["metadata"]["uid"]  # type: ignore[index]
    resp = await k8s.delete(f"{TB_PATH}/bot1")
    assert resp.status < 300
    await eventually(lambda: get(k8s, TB, "bot1") is None, what="CR gone")
    # StatefulSet, Service, settings ConfigMap, ControllerRevision (no secrets referenced: no snapshot).
    assert fake_gc(k8s, uid) == 4
    for res in (STS, SERVICES, CONFIGMAPS, REVISIONS):
        assert names(k8s, res) == set()


async def test_drift_is_repaired_to_the_current_revision(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    """Level-triggered: a StatefulSet deleted behind the operator's back is re-created at the current
    revision, and one scaled up is put back to one replica.

    Real: operator. Emulated: API, kubelet, bot /healthz."""
    await create(k8s, tradingbot())
    await eventually(lambda: ready(k8s), what="stable")
    current = status(k8s, "bot1")["currentRevision"]
    resp = await k8s.patch(
        f"/apis/apps/v1/namespaces/{NS}/statefulsets/bot1",
        json={"spec": {"replicas": 2}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert resp.status < 300
    await eventually(lambda: get(k8s, STS, "bot1")["spec"]["replicas"] == 1, what="scaled back to 1")  # type: ignore[index]
    resp = await k8s.delete(f"/apis/apps/v1/namespaces/{NS}/statefulsets/bot1")
    assert resp.status < 300
    await eventually(lambda: get(k8s, STS, "bot1") is not None, what="re-created")
    assert get(k8s, STS, "bot1")["metadata"]["annotations"]["tradingbot.dev/revision"] == current  # type: ignore[index]
