"""The /healthz report and the one rule that decides 200 vs 503.

Decision (see docs/architecture.md): /healthz answers 200 only when ``monitor_status`` is ``active`` — the
bot is ready to trade: streams connected, reconciliation ok, risk ok, not halted, and (when a maximum age
is given) the trading loop ran recently. ``reconnecting`` is 503 on /healthz; liveness is /livez, so a
reconnect never restarts the container, and Compose's healthcheck retries absorb short reconnects. The
seed's Go rule that accepts ``active`` or ``reconnecting`` applies to ``run_progress.json``, not to /healthz.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from tradingbot.ops.status import MonitorStatus
from tradingbot.risk.matrix import RiskStatus


class RiskSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: RiskStatus = RiskStatus.OK
    reasons: tuple[str, ...] = ()


class ReconciliationSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool = False
    checked_at: AwareDatetime | None = None
    problems: tuple[str, ...] = ()


class PriceGuardSummary(BaseModel):
    """The price guard as /healthz shows it: ``status`` ok | unconfirmed | divergent | stale, a reason
    code and text when not ok, the trusted reference and the unconfirmed candidate price."""

    model_config = ConfigDict(frozen=True)

    status: str = "ok"
    reason: str | None = None
    detail: str | None = None
    seconds: float | None = None
    reference: str | None = None
    candidate: str | None = None
    trips: int = 0


class HealthReport(BaseModel):
    """What the engine knows right now; ``status`` is computed by :func:`is_healthy` when rendered."""

    model_config = ConfigDict(frozen=True)

    monitor_status: MonitorStatus
    risk: RiskSummary = RiskSummary()
    halted: bool = False
    last_loop_at: AwareDatetime | None = None
    stream: dict[str, str] = Field(
        default_factory=lambda: {"public": "reconnecting", "private": "reconnecting"}
    )
    mode: Literal["paper", "live"] = "paper"
    secrets: dict[str, str] = Field(default_factory=dict)
    reconciliation: ReconciliationSummary = ReconciliationSummary()
    price_guard: PriceGuardSummary = PriceGuardSummary()
    # The operator's pause: intended, so it does not change monitor_status nor make /healthz 503.
    paused: bool = False
    run_id: str | None = None
    version: str | None = None


def is_healthy(
    report: HealthReport, *, now: datetime | None = None, max_loop_age: timedelta | None = None
) -> bool:
    if report.monitor_status is not MonitorStatus.ACTIVE or report.halted:
        return False
    if max_loop_age is not None:
        if report.last_loop_at is None:
            return False
        if (now or datetime.now(UTC)) - report.last_loop_at > max_loop_age:
            return False
    return True


def render_health(
    report: HealthReport, *, now: datetime | None = None, max_loop_age: timedelta | None = None
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for /healthz."""
    healthy = is_healthy(report, now=now, max_loop_age=max_loop_age)
    body: dict[str, Any] = {"status": "ok" if healthy else "unhealthy", **report.model_dump(mode="json")}
    return (200 if healthy else 503), body
