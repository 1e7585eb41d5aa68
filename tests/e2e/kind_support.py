"""Helpers of the kind end-to-end suite: a kubectl wrapper against the cluster scripts/kind_e2e.sh made.

Everything here is real: the API server (with the CRD's OpenAPI and CEL validation), the operator image
running in the cluster, the bot image in a StatefulSet pod, kubelet probes. Where kind, kubectl or docker
are missing, or no cluster answers, every test skips with that reason (E2E_REQUIRE_CLUSTER=1, set by
scripts/kind_e2e.sh, turns a missing cluster into a failure instead).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import yaml

from tests.support.eventually import eventually_sync

NAMESPACE = os.environ.get("E2E_NAMESPACE", "tradingbot-e2e")
BOT_IMAGE = os.environ.get("E2E_BOT_IMAGE", "tradingbot:e2e")
OPERATOR_DEPLOYMENT = os.environ.get("E2E_OPERATOR_DEPLOYMENT", "tradingbot-operator")


def unavailable() -> str | None:
    missing = [tool for tool in ("kind", "kubectl", "docker") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found: the kind end-to-end suite runs with `make e2e-kind`"
    proc = subprocess.run(
        ["kubectl", "get", "--raw=/readyz"], capture_output=True, text=True, check=False, timeout=20
    )
    if proc.returncode != 0:
        return f"no Kubernetes cluster answers (kubectl: {proc.stderr.strip()[:200]}): run `make e2e-kind`"
    return None


class Kubectl:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["kubectl", "-n", self.namespace, *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}")
        return proc

    def apply(self, obj: dict[str, Any], check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("apply", "-f", "-", stdin=yaml.safe_dump(obj), check=check)

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        proc = self.run("get", kind, name, "-o", "json", check=False)
        if proc.returncode != 0:
            return None
        result: dict[str, Any] = json.loads(proc.stdout)
        return result

    def merge_patch(self, kind: str, name: str, patch: dict[str, Any]) -> None:
        self.run("patch", kind, name, "--type=merge", "-p", json.dumps(patch))

    def events(self, name: str) -> list[dict[str, Any]]:
        proc = self.run("get", "events", "--field-selector", f"involvedObject.name={name}", "-o", "json")
        items: list[dict[str, Any]] = json.loads(proc.stdout)["items"]
        return items

    def wait_for(
        self, what: str, predicate: Callable[[], Any], timeout: float = 300, interval: float = 2
    ) -> Any:
        """Poll until predicate() is truthy (a deadline, not a sleep-as-wait)."""
        return eventually_sync(predicate, timeout, what, interval=interval)


def condition(bot: dict[str, Any] | None, type_: str) -> dict[str, Any]:
    for cond in ((bot or {}).get("status") or {}).get("conditions") or []:
        if cond["type"] == type_:
            return dict(cond)
    return {}


def status(bot: dict[str, Any] | None) -> dict[str, Any]:
    return dict((bot or {}).get("status") or {})


def paper_bot(name: str, **spec: Any) -> dict[str, Any]:
    """A paper TradingBot (embedded simulator: no exchange needed) with a short health gate."""
    body: dict[str, Any] = {
        "image": BOT_IMAGE,
        "mode": "paper",
        "symbol": "BTC_JPY",
        "healthGate": {
            "initialDelaySeconds": 5,
            "periodSeconds": 3,
            "successThreshold": 2,
            "failureThreshold": 3,
            "progressDeadlineSeconds": 120,
        },
        "storageSize": "64Mi",
    }
    body.update(spec)
    return {
        "apiVersion": "tradingbot.dev/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": body,
    }


def stable_bot(kubectl: Kubectl, name: str, **spec: Any) -> dict[str, Any]:
    kubectl.apply(paper_bot(name, **spec))

    def stable() -> dict[str, Any] | None:
        bot = kubectl.get("tradingbot", name)
        st = status(bot)
        if st.get("phase") == "Stable" and condition(bot, "Ready").get("status") == "True":
            return bot
        return None

    result: dict[str, Any] = kubectl.wait_for(f"{name} Stable and Ready", stable, timeout=300)
    return result
