"""How the user steers a pass: rollout controls given as annotations, and the gate's analysis query.

The decisions are pure (controls.py, analysis.py); this module applies them to a pass and does their I/O
(removing a one-shot annotation once it was acted on, running the Prometheus query).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from tradingbot_operator import analysis as analysis_mod
from tradingbot_operator import controls, render, rollout
from tradingbot_operator.gate import ProbeResult
from tradingbot_operator.health import Probe
from tradingbot_operator.kube import KubeError
from tradingbot_operator.passes import Pass, Runtime, view

log = logging.getLogger("tradingbot_operator")


def control(p: Pass, outcome: controls.Outcome, annotation: str) -> None:
    key = f"{annotation}|{rollout.transition_key(view(p.status))}|{controls.was_paused(p.status)}"
    p.status = outcome.status
    p.event(outcome.event_type, outcome.reason, outcome.message, key)


def one_shot_controls(p: Pass, requests: controls.Requests, desired: str, policy: Any) -> None:
    """Act on retry/abort/promote (pure status changes; the rollout steps below carry them out)."""
    if requests.retry is not None:
        control(p, controls.retry(p.status, p.stamp, desired, requests.retry, policy), controls.RETRY)
    if requests.abort:
        control(p, controls.abort(p.status, p.stamp), controls.ABORT)
    elif requests.promote:
        control(p, controls.promote(p.status, p.stamp), controls.PROMOTE)
    if requests.abort and requests.promote:
        p.event("Warning", "PromoteIgnored", "promote ignored: abort was asked too", "abort-wins")
    p.handled.extend(requests.present)


async def acknowledge(rt: Runtime, p: Pass) -> None:
    """Remove the one-shot annotations acted on; a value changed meanwhile is left for the next pass."""
    for key, value in p.handled:
        pointer = "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1")
        ops = [{"op": "test", "path": pointer, "value": value}, {"op": "remove", "path": pointer}]
        try:
            await rt.api.json_patch("TradingBot", p.bot.namespace, p.bot.name, ops)
        except KubeError as exc:
            if exc.status not in (404, 409, 422):
                raise
            log.info("control %s on %s/%s changed meanwhile: %s", key, p.bot.namespace, p.bot.name, exc)
    p.handled = []


async def analyse(rt: Runtime, p: Pass, revision: str, probe: Probe) -> Probe:
    """A healthy probe counts only if the bot's analysis query (if any) holds as well."""
    query = analysis_mod.query_for(p.body["metadata"].get("annotations"), rt.settings.analysis_query)
    if query is None:
        return probe
    if rt.analysis is None:
        detail = (
            "an analysis query is set but no Prometheus is configured (TRADINGBOT_OPERATOR_PROMETHEUS_URL)"
        )
        return dataclasses.replace(probe, result=ProbeResult.UNHEALTHY, detail=detail)
    bot = p.bot
    rendered = analysis_mod.render_query(
        query, namespace=bot.namespace, name=bot.name, pod=render.pod_name(bot), revision=revision
    )
    verdict = await rt.analysis.check(rendered)
    if verdict.holds:
        return probe
    return dataclasses.replace(probe, result=ProbeResult.UNHEALTHY, detail=verdict.detail)
