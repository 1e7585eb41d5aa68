"""Render: CR -> StatefulSet, Service, ConfigMap, secret snapshot (pure)."""

from __future__ import annotations

import base64
from typing import Any

from tradingbot_operator import render, revisions, secrets
from tradingbot_operator.spec import TradingBotSpec

BOT = render.BotRef(name="bot1", namespace="staging", uid="uid-1")
SPEC = TradingBotSpec.model_validate({"image": "tradingbot:1.0", "risk": {"maxDrawdown": 0.15}})


def sts_for(spec: TradingBotSpec, snapshot: str | None = "bot1-secrets-abc") -> dict[str, Any]:
    cm = render.render_configmap(BOT, spec)
    template = render.render_pod_template(BOT, spec, cm["metadata"]["name"], snapshot)
    return render.render_statefulset(BOT, spec, template, "rev1")


def test_configmap_uses_the_bot_env_names_of_contracts_5() -> None:
    data = render.render_configmap(BOT, SPEC)["data"]
    assert data["TRADINGBOT_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 - the pod must be reachable by kubelet
    assert data["TRADINGBOT_HTTP_PORT"] == "9754"
    assert data["TRADINGBOT_SECRETS_DIR"] == "/run/secrets"
    assert data["TRADINGBOT_VAR_DIR"] == render.VAR_DIR
    assert data["TRADINGBOT_MODE"] == "paper"
    assert data["TRADINGBOT_LIVE_ENABLED"] == "false"
    assert data["TRADINGBOT_SYMBOL"] == "BTC_JPY"
    assert data["TRADINGBOT_RISK__MAX_DRAWDOWN"] == "0.15"
    assert data["TRADINGBOT_RISK__DAILY_LOSS_LIMIT"] == "50000"
    assert data["TRADINGBOT_STRATEGY__FAST_WINDOW"] == "5"
    assert all(isinstance(v, str) for v in data.values())


def test_configmap_is_immutable_and_content_named() -> None:
    a = render.render_configmap(BOT, SPEC)
    b = render.render_configmap(BOT, SPEC.model_copy(update={"symbol": "ETH_JPY"}))
    assert a["immutable"] is True
    assert a["metadata"]["name"] != b["metadata"]["name"]
    assert a["metadata"]["name"] == render.render_configmap(BOT, SPEC)["metadata"]["name"]


def test_statefulset_one_replica_probes_mounts_and_pvc() -> None:
    sts = sts_for(SPEC)
    assert sts["spec"]["replicas"] == 1
    pod = sts["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == "tradingbot:1.0"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"name": "secrets", "mountPath": "/run/secrets", "readOnly": True} in container["volumeMounts"]
    assert {"name": "var", "mountPath": render.VAR_DIR} in container["volumeMounts"]
    assert {"name": "secrets", "secret": {"secretName": "bot1-secrets-abc", "defaultMode": 0o400}} in pod[
        "volumes"
    ]
    assert pod["securityContext"]["runAsUser"] == 10001  # the bot image's user owns var/
    assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "var"
    assert sts["spec"]["template"]["metadata"]["labels"][render.REVISION_LABEL] == "rev1"
    selector = sts["spec"]["selector"]["matchLabels"]
    assert selector.items() <= sts["spec"]["template"]["metadata"]["labels"].items()


def test_no_secret_volume_without_references() -> None:
    pod = sts_for(SPEC, snapshot=None)["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["tmp"]


def test_everything_is_owned_and_labelled() -> None:
    objs = [
        sts_for(SPEC),
        render.render_service(BOT),
        render.render_configmap(BOT, SPEC),
        render.render_secret_snapshot(BOT, {"gmo_api_key": "eA=="}, "h" * 64),
    ]
    for obj in objs:
        meta = obj["metadata"]
        assert meta["namespace"] == "staging"
        assert meta["ownerReferences"] == [render.owner_reference(BOT)]
        assert meta["ownerReferences"][0]["controller"] is True
        assert meta["labels"]["app.kubernetes.io/name"] == "tradingbot"
        assert meta["labels"]["app.kubernetes.io/instance"] == "bot1"
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "tradingbot-operator"


def test_service_exposes_metrics_port() -> None:
    svc = render.render_service(BOT)
    assert svc["spec"]["ports"][0]["port"] == 9754
    assert svc["spec"]["selector"] == render.selector_labels(BOT)


def test_render_is_deterministic_and_revision_tracks_template_and_secrets() -> None:
    cm = render.render_configmap(BOT, SPEC)["metadata"]["name"]
    t1 = render.render_pod_template(BOT, SPEC, cm, None)
    t2 = render.render_pod_template(BOT, SPEC, cm, None)
    assert revisions.revision_hash(t1, "s1") == revisions.revision_hash(t2, "s1")
    assert revisions.revision_hash(t1, "s1") != revisions.revision_hash(t1, "s2")
    t3 = render.render_pod_template(BOT, SPEC.model_copy(update={"image": "tradingbot:2"}), cm, None)
    assert revisions.revision_hash(t1, "s1") != revisions.revision_hash(t3, "s1")


def test_snapshot_holds_data_never_in_its_name() -> None:
    value = base64.b64encode(b"top-secret").decode()
    digest = secrets.data_hash({"gmo_api_key": value})
    snap = render.render_secret_snapshot(BOT, {"gmo_api_key": value}, digest)
    assert snap["immutable"] is True
    assert snap["data"] == {"gmo_api_key": value}
    assert value not in snap["metadata"]["name"]
    assert snap["metadata"]["name"] == f"bot1-secrets-{digest[:10]}"
