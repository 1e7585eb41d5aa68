"""Probing the bot's /healthz (contracts §6) for the gate and for monitor_status."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import aiohttp

from tradingbot_operator.gate import ProbeResult
from tradingbot_operator.render import BOT_PORT, REVISION_LABEL, BotRef, pod_name, service_name

# Container states that will not get better by waiting: fail fast instead of waiting for the deadline.
FATAL_WAITING_REASONS = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CrashLoopBackOff", "CreateContainerConfigError"}
)


@dataclasses.dataclass(frozen=True)
class Probe:
    result: ProbeResult
    detail: str
    monitor_status: str | None = None


@dataclasses.dataclass(frozen=True)
class ProbeTarget:
    url: str


def pod_target(
    bot: BotRef, revision: str, pod: dict[str, Any] | None, url_template: str
) -> ProbeTarget | Probe:
    """Where to probe this revision, or the probe outcome when the pod says it already (pure)."""
    if pod is None or pod.get("metadata", {}).get("deletionTimestamp"):
        return Probe(ProbeResult.PENDING, "pod not created yet")
    if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != revision:
        return Probe(ProbeResult.PENDING, "pod still runs another revision")
    status = pod.get("status") or {}
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in FATAL_WAITING_REASONS:
            return Probe(ProbeResult.UNHEALTHY, f"container {cs.get('name')} is {waiting['reason']}")
    pod_ip = status.get("podIP")
    if status.get("phase") != "Running" or not pod_ip:
        return Probe(ProbeResult.PENDING, f"pod phase {status.get('phase', 'unknown')}")
    url = url_template.format(
        pod_ip=pod_ip,
        port=BOT_PORT,
        namespace=bot.namespace,
        name=bot.name,
        pod=pod_name(bot),
        service=service_name(bot),
        revision=revision,
    )
    return ProbeTarget(url)


class HealthProber:
    """HTTP GET of the bot's /healthz with a per-probe timeout (aiohttp: see kube.py for why)."""

    def __init__(self, *, timeout: float = 2.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def probe(self, target: ProbeTarget, *, limit_seconds: float | None = None) -> Probe:
        """One GET of target.url; `limit_seconds` shortens the prober's default for this probe."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        limit = self._timeout if limit_seconds is None else aiohttp.ClientTimeout(total=limit_seconds)
        try:
            async with self._session.get(target.url, timeout=limit) as response:
                status, body = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Probe(ProbeResult.UNHEALTHY, f"/healthz unreachable: {type(exc).__name__}")
        monitor: str | None = None
        try:
            payload = json.loads(body)
            if isinstance(payload, dict) and isinstance(payload.get("monitor_status"), str):
                monitor = payload["monitor_status"]
        except ValueError:
            payload = None
        if status == 200 and isinstance(payload, dict) and payload.get("status") == "ok":
            return Probe(ProbeResult.HEALTHY, "healthy", monitor)
        return Probe(ProbeResult.UNHEALTHY, f"/healthz answered HTTP {status}", monitor)
