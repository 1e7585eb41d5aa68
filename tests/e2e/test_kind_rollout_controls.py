"""Issue 17's scenarios on a real kind cluster (scripts/kind_e2e.sh): status truth during a rollback, the
annotation controls through `python -m tradingbot_operator ctl`, and the API client's etiquette
(a rotated token, paginated lists, 429 from API Priority and Fairness).

Real: the API server (authentication, APF, pagination), the operator image, the bot image, kubelet,
StatefulSet controller. Nothing is emulated.
"""

from __future__ import annotations

import asyncio
import base64
import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from kind_support import NAMESPACE, Kubectl, condition, stable_bot, status
from tradingbot_operator import kube
from tradingbot_operator.credentials import Token, TokenSource, kubeconfig_loader
from tradingbot_operator.kube import Connection, KubeApi

SLOW_GATE = {
    "initialDelaySeconds": 5,
    "periodSeconds": 3,
    "successThreshold": 100,  # does not pass by itself while the test looks
    "failureThreshold": 3,
    "progressDeadlineSeconds": 900,
}


def ctl(*argv: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tradingbot_operator", "ctl", *argv, "-n", NAMESPACE],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def sts_image(kubectl: Kubectl, name: str) -> str:
    sts = kubectl.get("statefulset", name) or {}
    return str(sts["spec"]["template"]["spec"]["containers"][0]["image"])


def test_rolled_back_is_written_only_once_the_statefulset_runs_the_stable_template(
    kubectl: Kubectl, bot_name: str
) -> None:
    stable_bot(kubectl, bot_name)
    good_image = sts_image(kubectl, bot_name)
    kubectl.merge_patch("tradingbot", bot_name, {"spec": {"image": "tradingbot:does-not-exist"}})
    seen_rolled_back = False

    def check() -> bool:
        nonlocal seen_rolled_back
        st = status(kubectl.get("tradingbot", bot_name))
        if st.get("phase") == "RolledBack":
            seen_rolled_back = True
            # The status never says RolledBack while the StatefulSet still carries the failed template.
            assert sts_image(kubectl, bot_name) == good_image
            assert st["currentRevision"] == st["stableRevision"]
        return seen_rolled_back

    kubectl.wait_for("RolledBack", check, timeout=300, interval=0.5)


def test_abort_promote_pause_resume_and_get(kubectl: Kubectl, bot_name: str) -> None:
    stable = status(stable_bot(kubectl, bot_name))["stableRevision"]
    kubectl.merge_patch(
        "tradingbot", bot_name, {"spec": {"strategy": {"fastWindow": 6}, "healthGate": SLOW_GATE}}
    )
    kubectl.wait_for(
        "the new revision under its gate",
        lambda: (
            (status(kubectl.get("tradingbot", bot_name)).get("gate") or {}).get("revision")
            not in (None, stable)
        ),
    )
    assert "Progressing" in ctl("get", bot_name)

    ctl("abort", bot_name)
    bot = kubectl.wait_for(
        "the abort",
        lambda: (b := kubectl.get("tradingbot", bot_name)) and status(b).get("phase") == "RolledBack" and b,
    )
    assert condition(bot, "Progressing").get("reason") == "Aborted"
    assert "tradingbot.dev/abort" not in (bot["metadata"].get("annotations") or {})
    assert "Aborted" in {e["reason"] for e in kubectl.events(bot_name)}

    # A new revision, promoted by hand before its (slow) gate ends.
    kubectl.merge_patch("tradingbot", bot_name, {"spec": {"strategy": {"fastWindow": 7}}})
    gated = kubectl.wait_for(
        "the next gate",
        lambda: (
            (g := status(kubectl.get("tradingbot", bot_name)).get("gate") or {}).get("result") == "Pending"
            and g.get("revision")
        ),
    )
    ctl("promote", bot_name)
    kubectl.wait_for(
        "the promotion",
        lambda: status(kubectl.get("tradingbot", bot_name)).get("stableRevision") == gated,
    )
    assert "Promoted" in {e["reason"] for e in kubectl.events(bot_name)}

    ctl("pause", bot_name)
    kubectl.wait_for(
        "Paused",
        lambda: condition(kubectl.get("tradingbot", bot_name), "Progressing").get("reason") == "Paused",
    )
    kubectl.merge_patch("tradingbot", bot_name, {"spec": {"strategy": {"fastWindow": 8}}})
    generation = (kubectl.get("tradingbot", bot_name) or {})["metadata"]["generation"]
    kubectl.wait_for(
        "a pass while paused",
        lambda: status(kubectl.get("tradingbot", bot_name)).get("observedGeneration") == generation,
    )
    assert status(kubectl.get("tradingbot", bot_name))["currentRevision"] == gated, (
        "paused: nothing rolled out"
    )
    ctl("resume", bot_name)
    kubectl.wait_for(
        "a rollout after resume",
        lambda: status(kubectl.get("tradingbot", bot_name)).get("currentRevision") != gated,
    )


EXEC_PLUGIN = """\
#!/usr/bin/env bash
# Issues a fresh 10-minute token of the service account, as an EKS/GKE exec plugin would.
set -euo pipefail
token=$(kubectl --kubeconfig "$ADMIN_KUBECONFIG" -n "$NS" create token "$SA" --duration=600s)
api=client.authentication.k8s.io/v1
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s"}}' "$api" "$token"
"""


@pytest.fixture
def rotating_kubeconfig(kubectl: Kubectl, tmp_path: Path) -> Any:
    """A kubeconfig whose user is an exec plugin issuing tokens of a service account that can list
    TradingBots; deleting and re-creating the service account revokes every token it issued."""
    sa = "e2e-rotation"
    rbac: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": sa},
            "rules": [
                {"apiGroups": ["tradingbot.dev"], "resources": ["tradingbots"], "verbs": ["get", "list"]},
                {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": sa},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": sa},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": NAMESPACE}],
        },
    ]
    for obj in rbac:
        kubectl.apply(obj)
    admin = tmp_path / "admin.kubeconfig"
    admin.write_text(kubectl.run("config", "view", "--raw", "--minify").stdout)
    plugin = tmp_path / "issue-token"
    plugin.write_text(EXEC_PLUGIN)
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    config = yaml.safe_load(admin.read_text())
    config["users"] = [
        {
            "name": "rotating",
            "user": {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "command": str(plugin),
                    "env": [
                        {"name": "ADMIN_KUBECONFIG", "value": str(admin)},
                        {"name": "NS", "value": NAMESPACE},
                        {"name": "SA", "value": sa},
                    ],
                    "interactiveMode": "Never",
                }
            },
        }
    ]
    config["contexts"][0]["context"]["user"] = "rotating"
    path = tmp_path / "rotating.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    yield path, sa
    for obj in reversed(rbac):
        kubectl.run("delete", obj["kind"].lower(), obj["metadata"]["name"], "--ignore-not-found", check=False)


def test_a_revoked_token_is_replaced_from_the_exec_plugin(kubectl: Kubectl, rotating_kubeconfig: Any) -> None:
    path, sa = rotating_kubeconfig
    admin = yaml.safe_load(path.read_text())
    cluster = admin["clusters"][0]["cluster"]
    ca = path.parent / "ca.crt"
    if cluster.get("certificate-authority-data"):
        ca.write_bytes(base64.b64decode(cluster["certificate-authority-data"]))
    tokens = TokenSource(kubeconfig_loader(str(path)), max_age=3600)

    async def scenario() -> int:
        api = KubeApi(Connection(cluster["server"], tokens=tokens, ca_file=str(ca) if ca.exists() else None))
        try:
            await api.list("TradingBot", NAMESPACE)
            # Revoke: tokens are bound to the service account's uid.
            kubectl.run("delete", "serviceaccount", sa, "--wait=true")
            kubectl.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa}})
            await api.list("TradingBot", NAMESPACE)  # 401 -> exec plugin again -> a token of the new SA
            return api.reauthentications
        finally:
            await api.aclose()

    assert asyncio.run(scenario()) == 1
    assert tokens.loads == 2


def test_lists_are_paginated_by_the_real_api_server(
    kubectl: Kubectl, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = {"e2e-pagination": "yes"}
    names = [f"e2e-page-{i}" for i in range(7)]
    for name in names:
        kubectl.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": label}})
    monkeypatch.setattr(kube, "LIST_PAGE_SIZE", 2)
    try:

        async def listing() -> list[str]:
            api = KubeApi(Connection.from_environment())
            try:
                return sorted(i["metadata"]["name"] for i in await api.list("ConfigMap", NAMESPACE, label))
            finally:
                await api.aclose()

        assert asyncio.run(listing()) == names
    finally:
        kubectl.run("delete", "configmap", "-l", "e2e-pagination=yes", check=False)


APF = """\
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: e2e-starved}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
    limitResponse: {type: Reject}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: e2e-starved}
spec:
  priorityLevelConfiguration: {name: e2e-starved}
  matchingPrecedence: 100
  rules:
  - subjects:
    - kind: ServiceAccount
      serviceAccount: {name: e2e-starved, namespace: NAMESPACE}
    resourceRules:
    - verbs: ["*"]
      apiGroups: ["*"]
      resources: ["*"]
      namespaces: ["*"]
"""


def test_429_from_priority_and_fairness_is_waited_out(kubectl: Kubectl) -> None:
    """A priority level of one seat that rejects: concurrent lists get 429 with Retry-After; every one
    of them succeeds in the end (skipped if this cluster never answered 429)."""
    kubectl.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "e2e-starved"}})
    kubectl.run(
        "create", "rolebinding", "e2e-starved", "--clusterrole=view",
        f"--serviceaccount={NAMESPACE}:e2e-starved", check=False,
    )  # fmt: skip
    kubectl.run("apply", "-f", "-", stdin=textwrap.dedent(APF).replace("NAMESPACE", NAMESPACE))
    try:
        token = kubectl.run("create", "token", "e2e-starved", "--duration=600s").stdout.strip()
        server = json.loads(kubectl.run("config", "view", "--minify", "-o", "json").stdout)["clusters"][0]
        base = Connection.from_environment()

        async def hammer() -> tuple[int, int]:
            api = KubeApi(
                Connection(
                    server["cluster"]["server"],
                    tokens=TokenSource(lambda: Token(token)),
                    ca_file=base.ca_file,
                    insecure=base.insecure,
                )
            )
            try:
                results = await asyncio.gather(*(api.list("ConfigMap", NAMESPACE) for _ in range(40)))
                return len(results), api.retries
            finally:
                await api.aclose()

        done, retries = asyncio.run(hammer())
        assert done == 40
        if retries == 0:
            pytest.skip("the API server never answered 429 (too fast for one seat to matter)")
    finally:
        kubectl.run("delete", "flowschema,prioritylevelconfiguration", "e2e-starved", check=False)
        kubectl.run("delete", "rolebinding,serviceaccount", "e2e-starved", check=False)
