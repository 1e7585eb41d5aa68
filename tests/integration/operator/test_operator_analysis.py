"""Gate analysis (Flagger style): besides /healthz, a Prometheus query must hold during the gate.

Real: the operator (in-process), analysis.PrometheusAnalysis over HTTP on 127.0.0.1. Emulated: the API
(kmock_fixed), kubelet, the bot's /healthz, and Prometheus (FakePrometheus: /api/v1/query answering a
vector from a per-revision table the test fills, as Prometheus would from the bot's
run_loop_failures_total).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp.web
import pytest
from tradingbot_operator.analysis import ANNOTATION, PrometheusAnalysis

from tests.support.kmock_fixed import FixedEmulator
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
QUERY = 'increase(run_loop_failures_total{namespace="{namespace}",pod="{pod}",revision="{revision}"}[1m]) > 0'


class FakePrometheus:
    def __init__(self) -> None:
        self.queries: list[str] = []
        # When set, every revision but these shows loop failures (set before a rollout: no race with it).
        self.only_good: set[str] | None = None
        self.runner: aiohttp.web.AppRunner | None = None
        self.url = ""

    async def query(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        q = request.query.get("query", "")
        self.queries.append(q)
        good = self.only_good is None or any(f'revision="{rev}"' in q for rev in self.only_good)
        result = [] if good else [{"metric": {"pod": "bot1-0"}, "value": [0, "3"]}]
        return aiohttp.web.json_response(
            {"status": "success", "data": {"resultType": "vector", "result": result}}
        )

    async def start(self) -> None:
        app = aiohttp.web.Application()
        app.router.add_get("/api/v1/query", self.query)
        self.runner = aiohttp.web.AppRunner(app)
        await self.runner.setup()
        site = aiohttp.web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]


@pytest.fixture
async def prometheus() -> AsyncIterator[FakePrometheus]:
    fake = FakePrometheus()
    await fake.start()
    yield fake
    assert fake.runner is not None
    await fake.runner.cleanup()


@pytest.fixture
async def analysed_operator(
    k8s: FixedEmulator, bot: FakeBot, kubelet: FakeKubelet, prometheus: FakePrometheus
) -> AsyncIterator[OperatorRunner]:
    runner = OperatorRunner(
        k8s,
        bot,
        settings={"prometheus_url": prometheus.url},
        analysis=PrometheusAnalysis(prometheus.url, timeout=1.0),
    )
    await runner.start()
    yield runner
    await runner.stop()


def with_query(body: dict[str, Any]) -> dict[str, Any]:
    body["metadata"]["annotations"] = {ANNOTATION: QUERY}
    return body


async def test_a_rise_in_loop_failures_fails_the_gate_though_healthz_is_ok(
    k8s: FixedEmulator, analysed_operator: OperatorRunner, prometheus: FakePrometheus
) -> None:
    resp = await k8s.post(TB_PATH, json=with_query(tradingbot()))
    assert resp.status < 300
    await eventually(
        lambda: status(k8s, "bot1").get("phase") == "Stable", what="v1 stable with the analysis holding"
    )
    stable = status(k8s, "bot1")["stableRevision"]
    assert any(f'revision="{stable}"' in q and 'pod="bot1-0"' in q for q in prometheus.queries)

    prometheus.only_good = {stable}
    resp = await k8s.patch(
        f"{TB_PATH}/bot1",
        json={"spec": {"image": "tradingbot:1.1"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert resp.status < 300
    new = await eventually(
        lambda: (g := status(k8s, "bot1").get("gate", {})).get("revision") != stable and g.get("revision"),
        what="the new revision's gate",
    )
    await eventually(lambda: status(k8s, "bot1").get("phase") == "RolledBack", what="rolled back")
    st = status(k8s, "bot1")
    assert st["lastRollback"]["fromRevision"] == new
    assert "analysis query does not hold" in st["lastRollback"]["reason"]
    assert condition(k8s, "bot1", "Degraded")["status"] == "True"
    assert analysed_operator.bot.probes > 0, "healthz itself answered (and was healthy)"


async def test_analysis_is_off_without_a_query(
    k8s: FixedEmulator, analysed_operator: OperatorRunner, prometheus: FakePrometheus
) -> None:
    resp = await k8s.post(TB_PATH, json=tradingbot())
    assert resp.status < 300
    await eventually(lambda: status(k8s, "bot1").get("phase") == "Stable", what="stable")
    assert prometheus.queries == []
