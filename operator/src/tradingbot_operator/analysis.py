"""Optional analysis in the health gate (Flagger style): a Prometheus query that must hold.

Besides /healthz, a gate can require that a PromQL query finds nothing wrong at each probe. The query is
written as an alert rule is: it returns samples only when something is wrong, for example

    increase(run_loop_failures_total{namespace="{namespace}", pod="{pod}"}[1m]) > 0

so the check holds when the result is empty or every sample is 0, and fails otherwise. A query that cannot
be run (Prometheus unreachable, an error answer, a malformed query) fails the check too: the gate exists
to stop a bad revision before it trades, so "could not tell" does not count as healthy.

Off by default. On when the operator knows a Prometheus (`TRADINGBOT_OPERATOR_PROMETHEUS_URL`) and a
query applies: the bot's `tradingbot.dev/analysis-query` annotation, else the operator-wide
`TRADINGBOT_OPERATOR_ANALYSIS_QUERY`; the annotation value `none` switches it off for one bot. Query
fields: {namespace} {name} {pod} {revision}.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import aiohttp

from tradingbot_operator.spec import GROUP

ANNOTATION = f"{GROUP}/analysis-query"
FIELDS = ("namespace", "name", "pod", "revision")


@dataclasses.dataclass(frozen=True)
class Verdict:
    holds: bool
    detail: str


def query_for(annotations: dict[str, str] | None, default: str) -> str | None:
    """The query the gate of this bot must hold, or None (analysis off)."""
    raw = (annotations or {}).get(ANNOTATION)
    query = default if raw is None else raw
    query = query.strip()
    return None if not query or query.lower() == "none" else query


def render_query(template: str, **fields: str) -> str:
    """Fill {namespace} {name} {pod} {revision}; other braces (PromQL's label matchers) are kept."""
    out = template
    for key in FIELDS:
        out = out.replace("{" + key + "}", fields.get(key, ""))
    return out


def judge(payload: Any) -> Verdict:
    """A Prometheus /api/v1/query answer -> whether the query holds (pure)."""
    if not isinstance(payload, dict) or payload.get("status") != "success":
        error = payload.get("error") if isinstance(payload, dict) else None
        return Verdict(False, f"analysis query failed: {str(error or 'not a Prometheus answer')[:200]}")
    data = payload.get("data") or {}
    kind, result = data.get("resultType"), data.get("result")
    samples: list[tuple[dict[str, Any], Any]] = []
    if kind == "vector" and isinstance(result, list):
        samples = [(r.get("metric") or {}, (r.get("value") or [None, None])[1]) for r in result]
    elif kind == "scalar" and isinstance(result, list):
        samples = [({}, result[1])]
    else:
        return Verdict(False, f"analysis query gave a {kind!r} result; a vector or a scalar is needed")
    bad = []
    for metric, raw in samples:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return Verdict(False, f"analysis query gave a non-numeric sample {raw!r}")
        if value != 0 or math.isnan(value):
            labels = ",".join(f"{k}={v}" for k, v in sorted(metric.items()) if k != "__name__")
            bad.append(f"{{{labels}}}={raw}")
    if bad:
        return Verdict(False, f"analysis query does not hold: {'; '.join(bad)[:300]}")
    return Verdict(True, "analysis query holds")


class PrometheusAnalysis:
    """Runs instant queries against Prometheus's HTTP API, each with a timeout."""

    def __init__(self, base_url: str, *, timeout: float = 2.0) -> None:
        self._url = base_url.rstrip("/") + "/api/v1/query"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self.queries = 0

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def check(self, query: str) -> Verdict:
        if self._session is None:  # created in the running loop
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        self.queries += 1
        try:
            async with self._session.get(self._url, params={"query": query}) as response:
                try:
                    payload = await response.json(content_type=None)
                except ValueError:
                    return Verdict(False, f"analysis: Prometheus answered HTTP {response.status}, not JSON")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Verdict(False, f"analysis: Prometheus not reachable ({type(exc).__name__})")
        return judge(payload)
