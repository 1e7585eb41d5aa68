"""ControllerRevision history, pruning, and secret resolution (pure)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError
from tradingbot_operator import render, revisions, secrets
from tradingbot_operator.gate import ProbeResult
from tradingbot_operator.health import Probe, ProbeTarget, pod_target
from tradingbot_operator.settings import OperatorSettings
from tradingbot_operator.spec import Mode, TradingBotSpec

BOT = render.BotRef(name="bot1", namespace="staging", uid="uid-1")


def rev(name: str, number: int, snapshot: str | None = None) -> revisions.Revision:
    return revisions.Revision(name, number, {"spec": {}}, f"cm-{name}", snapshot)


def test_controller_revision_round_trip() -> None:
    r = rev("abc", 3, "snap")
    obj = revisions.render_controller_revision(BOT, r)
    assert obj["kind"] == "ControllerRevision"
    assert obj["revision"] == 3
    assert obj["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert revisions.Revision.from_object(obj) == r


def test_prune_keeps_limit_newest_and_protected() -> None:
    history = [rev(f"r{i}", i) for i in range(1, 7)]
    doomed = revisions.prune(history, 2, protected={"r1"})
    assert {r.revision for r in doomed} == {"r2", "r3", "r4"}
    assert revisions.next_number(history) == 7


def test_referenced_objects_of_retained_revisions() -> None:
    configs, snapshots = revisions.referenced([rev("a", 1, "s1"), rev("b", 2)])
    assert configs == {"cm-a", "cm-b"}
    assert snapshots == {"s1"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


LIVE = TradingBotSpec.model_validate(
    {
        "image": "x",
        "mode": "live",
        "secrets": {
            "gmoApiKey": {"name": "gmo", "key": "key"},
            "gmoApiSecret": {"name": "gmo", "key": "secret"},
        },
    }
)


def test_resolve_picks_referenced_keys_and_hashes_them() -> None:
    res = secrets.resolve(LIVE, {"gmo": {"data": {"key": b64("K"), "secret": b64("S"), "other": b64("O")}}})
    assert res.ok
    assert res.data == {"gmo_api_key": b64("K"), "gmo_api_secret": b64("S")}
    res2 = secrets.resolve(LIVE, {"gmo": {"data": {"key": b64("K2"), "secret": b64("S")}}})
    assert res2.hash != res.hash


@pytest.mark.parametrize(
    ("fetched", "reason"),
    [
        ({"gmo": None}, "SecretNotFound"),
        ({"gmo": {"data": {"key": b64("K")}}}, "KeyNotFound"),
        ({"gmo": {"data": {"key": b64("K"), "secret": "!!notbase64"}}}, "InvalidValue"),
        ({"gmo": {"data": {"key": b64("K"), "secret": b64("  ")}}}, "EmptyValue"),
    ],
)
def test_resolve_problems_name_the_secret_but_never_a_value(fetched: dict[str, Any], reason: str) -> None:
    res = secrets.resolve(LIVE, fetched)
    assert not res.ok
    assert res.reason == reason
    assert "gmo" in res.problem
    assert b64("K") not in res.problem
    assert "K" not in res.problem.replace("Key", "").replace("KeyNotFound", "")


def test_live_without_references_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"required when spec\.mode is live"):
        TradingBotSpec.model_validate({"image": "x", "mode": "live"})
    # secrets.resolve refuses it on its own too (defence in depth for a spec built without validation).
    spec = TradingBotSpec.model_construct(image="x", mode=Mode.LIVE)
    res = secrets.resolve(spec, {})
    assert res.reason == "MissingReference"


def test_paper_without_references_resolves_empty() -> None:
    res = secrets.resolve(TradingBotSpec.model_validate({"image": "x"}), {})
    assert res.ok
    assert res.data == {}


def pod(revision: str, **status: Any) -> dict[str, Any]:
    return {"metadata": {"labels": {render.REVISION_LABEL: revision}}, "status": status}


def test_pod_target_states() -> None:
    template = OperatorSettings().health_url_template
    assert pod_target(BOT, "r1", None, template) == Probe(ProbeResult.PENDING, "pod not created yet")
    other = pod_target(BOT, "r1", pod("r0", phase="Running", podIP="10.0.0.1"), template)
    assert isinstance(other, Probe)
    assert other.result is ProbeResult.PENDING
    waiting = pod(
        "r1",
        phase="Pending",
        containerStatuses=[{"name": "bot", "state": {"waiting": {"reason": "ErrImagePull"}}}],
    )
    assert pod_target(BOT, "r1", waiting, template).result is ProbeResult.UNHEALTHY  # type: ignore[union-attr]
    assert pod_target(BOT, "r1", pod("r1", phase="Running", podIP="10.0.0.1"), template) == ProbeTarget(
        "http://10.0.0.1:9754/healthz"
    )


def test_settings_from_env_names() -> None:
    settings = OperatorSettings.from_env({"TRADINGBOT_OPERATOR_METRICS_PORT": "9100", "OTHER": "x"})
    assert settings.metrics_port == 9100
    with pytest.raises(ValueError, match="TRADINGBOT_OPERATOR_NO_SUCH is not a setting"):
        OperatorSettings.from_env({"TRADINGBOT_OPERATOR_NO_SUCH": "1"})
