"""Everything the operator writes validates against the Kubernetes API's own OpenAPI schemas
(kubernetes-validate, strict: unknown fields are errors). Not an API server, but the same schemas."""

from __future__ import annotations

from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
from tradingbot_operator import render, revisions
from tradingbot_operator.crd import build_crd
from tradingbot_operator.spec import TradingBotSpec

K8S_VERSION = "1.30"
BOT = render.BotRef(name="bot1", namespace="staging", uid="0b3c6a8e-1111-4222-8333-944455556666")
SPEC = TradingBotSpec.model_validate(
    {
        "image": "ghcr.io/example/tradingbot:1.0",
        "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "256Mi"}},
    }
)


def objects() -> list[dict[str, Any]]:
    cm = render.render_configmap(BOT, SPEC)
    template = render.render_pod_template(BOT, SPEC, cm["metadata"]["name"], "bot1-secrets-0123456789")
    rev = revisions.Revision("abcdef0123", 1, template, cm["metadata"]["name"], "bot1-secrets-0123456789")
    return [
        build_crd(),
        cm,
        render.render_statefulset(BOT, SPEC, template, rev.revision),
        render.render_service(BOT),
        render.render_secret_snapshot(BOT, {"gmo_api_key": "eA=="}, "0123456789" * 6),
        revisions.render_controller_revision(BOT, rev),
    ]


@pytest.mark.parametrize("obj", objects(), ids=lambda o: str(o["kind"]))
def test_rendered_objects_match_the_kubernetes_schemas(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
