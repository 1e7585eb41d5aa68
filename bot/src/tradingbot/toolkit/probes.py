"""What the scripts look at: /healthz, /metrics and the artifacts, turned into plain check results.

Fetching is the only I/O here; the verdicts (:func:`judge_health`, :func:`judge_metrics`,
:func:`judge_progress`) are pure functions with unit tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tradingbot.toolkit.settings import ToolkitSettings

HEALTHY_MONITOR_STATUSES = ("active", "reconnecting")
REQUIRED_METRICS = ("run_loop_failures_total", "monitor_status")


@dataclass(frozen=True)
class HttpProbe:
    url: str
    status: int | None  # None: no HTTP answer at all
    body: str = ""
    error: str = ""

    @property
    def shown_status(self) -> str:
        return str(self.status) if self.status is not None else f"unreachable ({self.error})"


def http_get(url: str, timeout: float = 5.0) -> HttpProbe:
    try:
        response = httpx.get(url, timeout=timeout, trust_env=False)
    except httpx.HTTPError as exc:
        return HttpProbe(url, None, error=type(exc).__name__)
    return HttpProbe(url, response.status_code, body=response.text)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    summary: str
    problems: tuple[str, ...] = field(default=())


def json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def judge_health(probe: HttpProbe) -> Verdict:
    """/healthz must answer 200 with ``"status": "ok"``."""
    if probe.status is None:
        return Verdict(
            False, f"healthz={probe.shown_status}", (f"{probe.url} did not answer ({probe.error})",)
        )
    body = json_object(probe.body)
    status = body.get("status") if body else None
    monitor = body.get("monitor_status") if body else None
    summary = f"healthz={probe.status} status={status} monitor_status={monitor}"
    problems: list[str] = []
    if probe.status != 200:
        problems.append(f"{probe.url} returned HTTP {probe.status} (expected 200)")
    if body is None:
        problems.append(f"{probe.url} did not return a JSON object")
    elif status != "ok":
        problems.append(f"{probe.url} reports status={status!r} (expected 'ok')")
    return Verdict(not problems, summary, tuple(problems))


def judge_metrics(probe: HttpProbe) -> Verdict:
    """/metrics must answer 200 and expose the seed's metric names."""
    if probe.status is None:
        return Verdict(
            False, f"metrics={probe.shown_status}", (f"{probe.url} did not answer ({probe.error})",)
        )
    problems: list[str] = []
    if probe.status != 200:
        problems.append(f"{probe.url} returned HTTP {probe.status} (expected 200)")
    names = {
        line.split("{", 1)[0].split(" ", 1)[0] for line in probe.body.splitlines() if not line.startswith("#")
    }
    missing = [name for name in REQUIRED_METRICS if name not in names]
    if probe.status == 200 and missing:
        problems.append(f"{probe.url} lacks metric(s): {', '.join(missing)}")
    return Verdict(not problems, "metrics=ok" if not problems else f"metrics={probe.status}", tuple(problems))


def read_artifact(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(object, "") or (None, why it cannot be used)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, f"{path} is missing"
    except OSError as exc:
        return None, f"{path} is unreadable ({exc.strerror})"
    body = json_object(text)
    if body is None:
        return None, f"{path} is not a JSON object"
    return body, ""


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def judge_progress(progress: Mapping[str, Any] | None, why: str, now: datetime, max_age: float) -> Verdict:
    """run_progress.json: present, monitor_status active|reconnecting, updated within ``max_age`` seconds."""
    if progress is None:
        return Verdict(False, "run_progress=missing", (why,))
    monitor = progress.get("monitor_status")
    problems: list[str] = []
    if monitor not in HEALTHY_MONITOR_STATUSES:
        problems.append(
            f"run_progress.json monitor_status={monitor!r}; expected {'|'.join(HEALTHY_MONITOR_STATUSES)}"
        )
    updated = parse_time(progress.get("updated_at"))
    if updated is None:
        problems.append(
            f"run_progress.json updated_at={progress.get('updated_at')!r} is not an ISO-8601 time"
        )
    elif (now - updated).total_seconds() > max_age:
        age = int((now - updated).total_seconds())
        problems.append(
            f"run_progress.json is stale: updated_at={progress.get('updated_at')} ({age}s > {max_age:g}s)"
        )
    return Verdict(
        not problems,
        f"run_progress=ok monitor_status={monitor}" if not problems else "run_progress=bad",
        tuple(problems),
    )


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    health_status: str  # what /healthz answered: "200", "503", "unreachable (...)"
    summary: str
    problems: tuple[str, ...]
    health_body: Mapping[str, Any] | None


def check_once(settings: ToolkitSettings, now: datetime | None = None) -> CheckResult:
    """One health/metrics/artifacts check: the unit smoke and soak repeat."""
    health = http_get(settings.healthz_url)
    metrics = http_get(settings.metrics_url)
    progress, why = read_artifact(settings.layout.run_progress)
    verdicts = (
        judge_health(health),
        judge_metrics(metrics),
        judge_progress(progress, why, now or datetime.now(UTC), settings.artifact_max_age),
    )
    problems = tuple(p for v in verdicts for p in v.problems)
    return CheckResult(
        ok=not problems,
        health_status=health.shown_status,
        summary=" ".join(v.summary for v in verdicts),
        problems=problems,
        health_body=json_object(health.body) if health.status is not None else None,
    )
