"""The operator's credentials rotate under it: the emulated API stops accepting the old bearer token
mid-run, and neither the operator's own writes nor kopf's fail.

Real: the operator (kopf + tradingbot_operator, in-process), its API client and TokenSource reading a
token file, kopf's re-login after a 401. Emulated: the API (kmock_fixed.FixedEmulator plus the bearer
token check below, which a real API server's authenticator does), kubelet, the bot's /healthz.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import kmock
import pytest
from kmock._internal import rendering

from tests.support.kmock_fixed import WRITE_METHODS, FixedEmulator
from tests.support.operator_harness import (
    NS,
    FakeBot,
    FakeKubelet,
    OperatorRunner,
    condition,
    eventually,
    status,
    tradingbot,
)

pytestmark = pytest.mark.filterwarnings("ignore:read_binary is deprecated:DeprecationWarning")

TB_PATH = f"/apis/tradingbot.dev/v1alpha1/namespaces/{NS}/tradingbots"


@attrs.define(kw_only=True)
class AuthEmulator(FixedEmulator):
    """Accepts only `Bearer <accepted>` (None: anything), as an API server whose token was rotated."""

    accepted: str | None = attrs.field(default=None, init=False)
    refused: list[tuple[str, str]] = attrs.field(factory=list, init=False)

    async def _handle(self, request: rendering.Request) -> Any:
        auth = request.headers.get("Authorization") or request.headers.get("authorization") or ""
        if self.accepted is not None and auth != f"Bearer {self.accepted}":
            self.refused.append((request.method.value.upper(), request.url.path))
            raise kmock.KubernetesError(401, "Unauthorized", "Unauthorized")
        return await super()._handle(request)


@pytest.fixture
def kmock_options() -> dict[str, Any]:
    return {"cls": AuthEmulator}


def ready(k8s: FixedEmulator, name: str) -> bool:
    return (
        condition(k8s, name, "Ready").get("status") == "True" and status(k8s, name).get("phase") == "Stable"
    )


async def create_tb(k8s: AuthEmulator, body: dict[str, Any]) -> None:
    resp = await k8s.post(TB_PATH, json=body, headers={"Authorization": f"Bearer {k8s.accepted}"})
    assert resp.status < 300, await resp.text()


async def patch_tb(k8s: AuthEmulator, name: str, spec: dict[str, Any]) -> None:
    resp = await k8s.patch(
        f"{TB_PATH}/{name}",
        json={"spec": spec},
        headers={"Content-Type": "application/merge-patch+json", "Authorization": f"Bearer {k8s.accepted}"},
    )
    assert resp.status < 300, await resp.text()


async def test_token_rotated_mid_run_loses_no_write(
    k8s: AuthEmulator, bot: FakeBot, kubelet: FakeKubelet, tmp_path: Path
) -> None:
    """Stable bot1 on token A; the API then accepts only B and the token file says B. The rollout of a
    new image (operator writes: status, ControllerRevision, StatefulSet, Events) and a new bot (kopf's
    writes: finalizer, annotations) both complete; no reconcile fails; the 401s were met and handled."""
    token_file = tmp_path / "token"
    token_file.write_text("token-A")
    k8s.accepted = "token-A"
    runner = OperatorRunner(k8s, bot, token_file=token_file)
    await runner.start()
    try:
        await create_tb(k8s, tradingbot("bot1"))
        await eventually(lambda: ready(k8s, "bot1"), what="bot1 stable on token A")
        assert runner.runtime is not None
        api = runner.runtime.api
        logins_before = runner.logins

        # Rotation: the new token is in the file, the old one is refused from now on.
        token_file.write_text("token-B")
        k8s.accepted = "token-B"
        writes_before = len(k8s.writes)
        await patch_tb(k8s, "bot1", {"image": "tradingbot:1.1"})
        await create_tb(k8s, tradingbot("bot2"))
        await eventually(
            lambda: ready(k8s, "bot1") and status(k8s, "bot1")["stableRevision"] != "" and ready(k8s, "bot2"),
            timeout=15,
            what="bot1 rolled out and bot2 stable after the rotation",
        )
        await eventually(
            lambda: (
                status(k8s, "bot1").get("gate", {}).get("result") == "Passed"
                and (k8s.objects[(kmock.resource("apps", "v1", "statefulsets"), NS, "bot1")].raw)["spec"][
                    "template"
                ]["spec"]["containers"][0]["image"]
                == "tradingbot:1.1"
            ),
            what="bot1 on the new image",
        )
        refused_writes = [r for r in k8s.refused if r[0] in WRITE_METHODS]
        assert k8s.refused, "the rotation was met: some request carried the old token"
        assert api.reauthentications >= 1, "the operator's client read the token again after a 401"
        failed = runner.runtime.metrics.registry.get_sample_value(
            "tradingbot_operator_reconcile_errors_total"
        )
        assert failed == 0, "no reconcile pass failed (every refused write was sent again and applied)"
        assert len(k8s.writes) - writes_before > len(refused_writes)
        assert runner.logins > logins_before, "kopf logged in again (re-reading the token) after its 401"
    finally:
        await runner.stop()
