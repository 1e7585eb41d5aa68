"""The operator's scenarios on a real kind cluster (scripts/kind_e2e.sh). Real: API server with the CRD's
OpenAPI + CEL validation, the operator image, the bot image (paper mode, embedded simulator), kubelet,
StatefulSet controller, garbage collector. Nothing is emulated."""

from __future__ import annotations

import base64
from typing import Any

from kind_support import OPERATOR_DEPLOYMENT, Kubectl, condition, paper_bot, stable_bot, status


def _sts_image(kubectl: Kubectl, name: str) -> str:
    sts = kubectl.get("statefulset", name)
    assert sts is not None
    image: str = sts["spec"]["template"]["spec"]["containers"][0]["image"]
    return image


def test_create_becomes_ready(kubectl: Kubectl, bot_name: str) -> None:
    bot = stable_bot(kubectl, bot_name)
    st = status(bot)
    assert st["currentRevision"] == st["stableRevision"]
    assert condition(bot, "SecretsReady").get("status") == "True"
    assert condition(bot, "Degraded").get("status") != "True"
    sts = kubectl.get("statefulset", bot_name)
    assert sts is not None
    assert sts["spec"]["replicas"] == 1
    assert sts["metadata"]["ownerReferences"][0]["kind"] == "TradingBot"
    reasons = {e["reason"] for e in kubectl.events(bot_name)}
    assert {"RolloutStarted", "GatePassed"} <= reasons
    # `kubectl get tb` shows the printer columns.
    table = kubectl.run("get", "tb", bot_name).stdout
    for column in ("MODE", "SYMBOL", "PHASE", "READY", "CURRENT", "STABLE"):
        assert column in table


def test_failing_image_rolls_back_and_is_not_retried(kubectl: Kubectl, bot_name: str) -> None:
    good = status(stable_bot(kubectl, bot_name))["stableRevision"]
    kubectl.merge_patch("tradingbot", bot_name, {"spec": {"image": "tradingbot:does-not-exist"}})

    def rolled_back() -> dict[str, Any] | None:
        bot = kubectl.get("tradingbot", bot_name)
        # RolledBack (not just lastRollback, which the intent write of phase RollingBack already has):
        # written once the StatefulSet carries the stable template again.
        return bot if status(bot).get("phase") == "RolledBack" else None

    bot = kubectl.wait_for("the automatic rollback", rolled_back, timeout=300)
    st = status(bot)
    assert st["lastRollback"]["toRevision"] == good
    bad = st["lastRollback"]["fromRevision"]
    assert bad in st["failedRevisions"]
    assert st["currentRevision"] == good
    assert condition(bot, "Degraded").get("status") == "True"
    assert _sts_image(kubectl, bot_name) != "tradingbot:does-not-exist"
    reasons = {e["reason"] for e in kubectl.events(bot_name)}
    assert {"GateFailed", "RolledBack"} <= reasons
    # The failed revision is held, not retried: the old revision becomes healthy again and stays current.
    kubectl.wait_for(
        "Ready again on the stable revision",
        lambda: condition(kubectl.get("tradingbot", bot_name), "Ready").get("status") == "True",
        timeout=180,
    )
    assert status(kubectl.get("tradingbot", bot_name))["currentRevision"] == good


def test_secret_rotation_makes_a_new_gated_revision(kubectl: Kubectl, bot_name: str) -> None:
    secret = f"{bot_name}-discord"

    def put(value: str) -> None:
        kubectl.apply(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": secret},
                "type": "Opaque",
                "data": {"discord_webhook_url": base64.b64encode(value.encode()).decode()},
            }
        )

    # A closed loopback port: the notifier fails fast and never blocks the bot.
    put("http://127.0.0.1:9/first")
    try:
        refs = {"discordWebhookUrl": {"name": secret, "key": "discord_webhook_url"}}
        first = status(stable_bot(kubectl, bot_name, secrets=refs))["stableRevision"]
        put("http://127.0.0.1:9/second")

        def rotated() -> dict[str, Any] | None:
            bot = kubectl.get("tradingbot", bot_name)
            st = status(bot)
            if st.get("stableRevision") not in (None, first) and st.get("phase") == "Stable":
                return bot
            return None

        bot = kubectl.wait_for("the rotated revision to pass its gate", rotated, timeout=300)
        assert not status(bot).get("lastRollback")
        assert "SecretsChanged" in {e["reason"] for e in kubectl.events(bot_name)}
        sts = kubectl.get("statefulset", bot_name)
        assert sts is not None
        volumes = sts["spec"]["template"]["spec"]["volumes"]
        snapshot = next(v["secret"]["secretName"] for v in volumes if "secret" in v)
        snap = kubectl.get("secret", snapshot)
        assert snap is not None
        assert snap.get("immutable") is True
        assert base64.b64decode(snap["data"]["discord_webhook_url"]).decode() == "http://127.0.0.1:9/second"
    finally:
        kubectl.run("delete", "secret", secret, "--ignore-not-found", check=False)


def test_operator_restart_mid_gate_resumes(kubectl: Kubectl, bot_name: str) -> None:
    stable_bot(kubectl, bot_name)
    slow_gate = {
        "initialDelaySeconds": 20,
        "periodSeconds": 5,
        "successThreshold": 3,
        "progressDeadlineSeconds": 300,
    }
    kubectl.merge_patch(
        "tradingbot", bot_name, {"spec": {"strategy": {"fastWindow": 6}, "healthGate": slow_gate}}
    )

    def gating() -> dict[str, Any] | None:
        bot = kubectl.get("tradingbot", bot_name)
        st = status(bot)
        gate = st.get("gate") or {}
        return bot if st.get("phase") == "Progressing" and gate.get("result") == "Pending" else None

    before = status(kubectl.wait_for("the new revision's gate", gating, timeout=120))
    kubectl.run("delete", "pod", "-l", "app.kubernetes.io/name=tradingbot-operator", "--wait=true")
    kubectl.run("rollout", "status", f"deployment/{OPERATOR_DEPLOYMENT}", "--timeout=120s")

    def promoted() -> dict[str, Any] | None:
        bot = kubectl.get("tradingbot", bot_name)
        st = status(bot)
        return (
            bot
            if st.get("stableRevision") == before["gate"]["revision"] and st.get("phase") == "Stable"
            else None
        )

    after = status(kubectl.wait_for("the resumed gate to pass", promoted, timeout=300))
    # Resumed, not restarted: the gate kept its start time across the operator restart.
    assert after["gate"]["startedAt"] == before["gate"]["startedAt"]
    assert not after.get("lastRollback")


def test_bad_cr_is_refused_by_the_api_server_with_the_cel_message(kubectl: Kubectl, bot_name: str) -> None:
    from tradingbot_operator.crd import CEL_RULES

    live_message = next(
        rule["message"] for path, rule in CEL_RULES if path == () and "live" in rule["message"]
    )
    proc = kubectl.apply(paper_bot(bot_name, mode="live"), check=False)
    assert proc.returncode != 0
    assert live_message in proc.stderr
    assert kubectl.get("tradingbot", bot_name) is None
    # Immutable fields are refused on update with their message too.
    stable_bot(kubectl, bot_name)
    changed = kubectl.apply(paper_bot(bot_name, symbol="ETH_JPY"), check=False)
    assert changed.returncode != 0
    assert "spec.symbol is immutable" in changed.stderr


def test_delete_cleans_up_owned_objects(kubectl: Kubectl, bot_name: str) -> None:
    stable_bot(kubectl, bot_name)
    kubectl.run("delete", "tradingbot", bot_name, "--wait=true", "--timeout=120s")
    kubectl.wait_for(
        "the garbage collector to remove the StatefulSet",
        lambda: kubectl.get("statefulset", bot_name) is None,
        timeout=120,
    )
