"""A spec the CRD would refuse but the API server stored anyway (a CRD older than the operator, which
kmock stands in for: it validates nothing): the operator reports it and waits, it does not crash-loop.

Real: operator, reconciler. Emulated: API (kmock), kubelet, the bot's /healthz."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.eventually import eventually
from tests.support.kmock_fixed import FixedEmulator
from tests.support.operator_harness import NS, STS, OperatorRunner, condition, events, get, status, tradingbot

pytestmark = pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning")

TB_PATH = f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots"


async def send(k8s: FixedEmulator, method: str, path: str, body: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/merge-patch+json"} if method == "patch" else {}
    resp = await getattr(k8s, method)(path, json=body, headers=headers)
    assert resp.status < 300, await resp.text()


async def test_invalid_spec_is_a_condition_and_one_event_naming_the_field(
    k8s: FixedEmulator, operator: OperatorRunner
) -> None:
    await send(k8s, "post", TB_PATH, tradingbot(risk={"maxDrawdown": 1.5}, image="ghcr.io/x/bot:1\n"))

    def refused() -> bool:
        ready = condition(k8s, "bot1", "Ready")
        return ready.get("reason") == "InvalidSpec"

    await eventually(refused, what="Ready=False InvalidSpec")
    message = condition(k8s, "bot1", "Ready")["message"]
    assert "spec.risk.maxDrawdown" in message
    assert "spec.image" in message
    await eventually(lambda: events(k8s, "InvalidSpec"), what="InvalidSpec event")
    (event,) = events(k8s, "InvalidSpec")
    assert event["type"] == "Warning"
    assert "spec.risk.maxDrawdown" in event["message"]
    assert get(k8s, STS, "bot1") is None  # nothing rolled out
    assert status(k8s, "bot1")["phase"] == "Pending"

    # Fixed by the user: a new generation rolls out as usual.
    await send(
        k8s, "patch", f"{TB_PATH}/bot1", {"spec": {"risk": {"maxDrawdown": 0.2}, "image": "tradingbot:1.0"}}
    )
    await eventually(
        lambda: condition(k8s, "bot1", "Ready").get("status") == "True", timeout=20, what="Ready"
    )
    assert len(events(k8s, "InvalidSpec")) == 1  # one Event for the bad generation, no retry storm
