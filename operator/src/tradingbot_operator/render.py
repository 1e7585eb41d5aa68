"""CR -> Kubernetes objects, as pure functions of the spec (no I/O, no clock).

Per revision the settings ConfigMap and the secret snapshot are immutable objects with content-hashed
names, so a ControllerRevision that names them can restore exactly what ran (rollback included).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from typing import Any

from tradingbot_operator import secrets as secrets_mod
from tradingbot_operator.spec import GROUP, KIND, VERSION, Mode, TradingBotSpec

BOT_PORT = 9754
SECRETS_DIR = "/run/secrets"
# The bot image declares VOLUME /app/var and runs as uid/gid 10001 (bot/Dockerfile).
VAR_DIR = "/app/var"
REVISION_LABEL = "tradingbot.dev/revision"
MANAGED_BY = "tradingbot-operator"


@dataclasses.dataclass(frozen=True)
class BotRef:
    """What render needs to know about the CR besides its spec."""

    name: str
    namespace: str
    uid: str

    @classmethod
    def from_body(cls, body: Any) -> BotRef:
        meta = body["metadata"]
        return cls(name=str(meta["name"]), namespace=str(meta["namespace"]), uid=str(meta.get("uid", "")))


def selector_labels(bot: BotRef) -> dict[str, str]:
    return {"app.kubernetes.io/name": "tradingbot", "app.kubernetes.io/instance": bot.name}


def labels(bot: BotRef, component: str = "bot") -> dict[str, str]:
    return {
        **selector_labels(bot),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "tradingbot",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def owner_reference(bot: BotRef) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": KIND,
        "name": bot.name,
        "uid": bot.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def metadata(bot: BotRef, name: str, component: str = "bot", **extra_labels: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": bot.namespace,
        "labels": {**labels(bot, component), **extra_labels},
        "ownerReferences": [owner_reference(bot)],
    }


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def settings_env(spec: TradingBotSpec) -> dict[str, str]:
    """The bot's environment (contracts §5) for this spec."""
    env = {
        "TRADINGBOT_MODE": spec.mode.value,
        "TRADINGBOT_LIVE_ENABLED": "true" if spec.mode is Mode.LIVE else "false",
        "TRADINGBOT_SYMBOL": spec.symbol,
        # Kubelet probes come from outside the pod's loopback.
        "TRADINGBOT_HTTP_HOST": "0.0.0.0",  # noqa: S104
        "TRADINGBOT_HTTP_PORT": str(BOT_PORT),
        "TRADINGBOT_SECRETS_DIR": SECRETS_DIR,
        "TRADINGBOT_VAR_DIR": VAR_DIR,
        "TRADINGBOT_STRATEGY__NAME": spec.strategy.name,
        "TRADINGBOT_STRATEGY__FAST_WINDOW": str(spec.strategy.fastWindow),
        "TRADINGBOT_STRATEGY__SLOW_WINDOW": str(spec.strategy.slowWindow),
        "TRADINGBOT_STRATEGY__ORDER_SIZE": _num(spec.strategy.orderSize),
        "TRADINGBOT_RISK__MAX_DRAWDOWN": _num(spec.risk.maxDrawdown),
        "TRADINGBOT_RISK__DAILY_LOSS_LIMIT": _num(spec.risk.dailyLossLimit),
        "TRADINGBOT_RISK__MAX_POSITION_SIZE": _num(spec.risk.maxPositionSize),
        "TRADINGBOT_RISK__MAX_TRADE_LOSS": _num(spec.risk.maxTradeLoss),
        "TRADINGBOT_RISK__MAX_LEVERAGE": _num(spec.risk.maxLeverage),
        "TRADINGBOT_RISK__MAX_WALLET_DRIFT": _num(spec.risk.maxWalletDrift),
    }
    return dict(sorted(env.items()))


def content_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def configmap_name(bot: BotRef, data: dict[str, str]) -> str:
    return f"{bot.name}-settings-{content_hash(data)[:10]}"


def render_configmap(bot: BotRef, spec: TradingBotSpec) -> dict[str, Any]:
    data = settings_env(spec)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(bot, configmap_name(bot, data), "settings"),
        "immutable": True,
        "data": data,
    }


def render_secret_snapshot(bot: BotRef, data: dict[str, str], secret_hash: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(
            bot,
            secrets_mod.snapshot_name(bot.name, secret_hash),
            "secrets",
            **{secrets_mod.SNAPSHOT_LABEL: "true"},
        ),
        "immutable": True,
        "type": "Opaque",
        "data": dict(data),
    }


def render_pod_template(
    bot: BotRef, spec: TradingBotSpec, config_name: str, snapshot: str | None
) -> dict[str, Any]:
    """The pod template without the revision label (the revision is a hash over this)."""
    http = {"port": "http"}
    # The root filesystem is read-only; Python and libraries still want a writable /tmp.
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    mounts: list[dict[str, Any]] = [
        {"name": "var", "mountPath": VAR_DIR},
        {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - a pod-private emptyDir
    ]
    if snapshot is not None:
        volumes.append({"name": "secrets", "secret": {"secretName": snapshot, "defaultMode": 0o400}})
        mounts.append({"name": "secrets", "mountPath": SECRETS_DIR, "readOnly": True})
    container: dict[str, Any] = {
        "name": "bot",
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["run"],
        "envFrom": [{"configMapRef": {"name": config_name}}],
        "ports": [{"name": "http", "containerPort": BOT_PORT, "protocol": "TCP"}],
        "livenessProbe": {"httpGet": {"path": "/livez", **http}, "periodSeconds": 10, "failureThreshold": 3},
        "readinessProbe": {
            "httpGet": {"path": "/healthz", **http},
            "periodSeconds": 5,
            "failureThreshold": 3,
        },
        "startupProbe": {"httpGet": {"path": "/livez", **http}, "periodSeconds": 2, "failureThreshold": 60},
        "volumeMounts": mounts,
        "resources": spec.resources.model_dump(),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    return {
        "metadata": {"labels": labels(bot)},
        "spec": {
            "containers": [container],
            "volumes": volumes,
            # The bot cancels its orders on SIGTERM; give it time before SIGKILL.
            "terminationGracePeriodSeconds": 60,
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "fsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        },
    }


def with_revision(template: dict[str, Any], revision: str) -> dict[str, Any]:
    labelled: dict[str, Any] = json.loads(json.dumps(template))
    labelled["metadata"]["labels"][REVISION_LABEL] = revision
    return labelled


def statefulset_name(bot: BotRef) -> str:
    return bot.name


def pod_name(bot: BotRef) -> str:
    return f"{statefulset_name(bot)}-0"


def service_name(bot: BotRef) -> str:
    return f"{bot.name}-metrics"


def render_statefulset(
    bot: BotRef, spec: TradingBotSpec, template: dict[str, Any], revision: str
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {**metadata(bot, statefulset_name(bot)), "annotations": {REVISION_LABEL: revision}},
        "spec": {
            # Never more than one trading pod: one replica, ordered pod management, no surge.
            "replicas": 1,
            "serviceName": service_name(bot),
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate"},
            "selector": {"matchLabels": selector_labels(bot)},
            "template": with_revision(template, revision),
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "var", "labels": labels(bot, "storage")},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": spec.storageSize}},
                    },
                }
            ],
        },
    }


def render_service(bot: BotRef) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(bot, service_name(bot), "metrics"),
        "spec": {
            "selector": selector_labels(bot),
            "ports": [{"name": "http", "port": BOT_PORT, "targetPort": "http", "protocol": "TCP"}],
        },
    }
