"""The price guard on the ops surface: the monitor status rule, /healthz, the trips counter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tradingbot.ops.health import HealthReport, PriceGuardSummary, render_health
from tradingbot.ops.metrics import BotMetrics
from tradingbot.ops.status import MonitorStatus, derive_monitor_status
from tradingbot.risk import GuardState, RiskStatus

UP = {"public": "connected", "private": "connected"}
DOWN = {"public": "stale", "private": "connected"}


@pytest.mark.parametrize(
    ("streams", "risk", "halted", "guard", "expected"),
    [
        (UP, RiskStatus.OK, False, GuardState.OK, MonitorStatus.ACTIVE),
        # a short confirmation wait is not a health problem
        (UP, RiskStatus.OK, False, GuardState.UNCONFIRMED, MonitorStatus.ACTIVE),
        (UP, RiskStatus.OK, False, GuardState.DIVERGENT, MonitorStatus.DEGRADED),
        (DOWN, RiskStatus.OK, False, GuardState.DIVERGENT, MonitorStatus.DEGRADED),
        (UP, RiskStatus.OK, False, GuardState.STALE, MonitorStatus.DEGRADED),
        # the stream is the cause: it stays reconnecting (the seed's alert gives it 5 minutes)
        (DOWN, RiskStatus.OK, False, GuardState.STALE, MonitorStatus.RECONNECTING),
        (UP, RiskStatus.ABORT, False, GuardState.DIVERGENT, MonitorStatus.HALTED),
        (UP, RiskStatus.OK, True, GuardState.STALE, MonitorStatus.HALTED),
    ],
)
def test_the_guard_in_the_monitor_status(
    streams: dict[str, str], risk: RiskStatus, halted: bool, guard: GuardState, expected: MonitorStatus
) -> None:
    assert derive_monitor_status(streams, risk, halted, True, guard.value) is expected


def test_the_default_keeps_the_old_rule() -> None:
    assert derive_monitor_status(UP, RiskStatus.OK, False, True) is MonitorStatus.ACTIVE


def test_healthz_shows_the_reason_and_is_503_when_degraded_by_the_guard() -> None:
    now = datetime.now(UTC)
    summary = PriceGuardSummary(status="divergent", reason="price_divergence", seconds=31.0, trips=2)
    report = HealthReport(monitor_status=MonitorStatus.DEGRADED, last_loop_at=now, price_guard=summary)
    code, body = render_health(report, now=now)
    assert code == 503
    assert body["price_guard"]["reason"] == "price_divergence"
    assert body["price_guard"]["trips"] == 2
    code, body = render_health(HealthReport(monitor_status=MonitorStatus.ACTIVE), now=now)
    assert code == 200
    assert body["price_guard"] == {
        "status": "ok",
        "reason": None,
        "detail": None,
        "seconds": None,
        "reference": None,
        "candidate": None,
        "trips": 0,
    }


def test_the_trips_counter_has_every_reason_from_the_start_and_bounds_labels() -> None:
    metrics = BotMetrics()
    text = metrics.render().decode()
    for reason in ("jump", "stale"):
        assert f'tradingbot_price_guard_trips_total{{reason="{reason}"}} 0.0' in text
    metrics.price_guard_trip("jump")
    metrics.price_guard_trip("secret-token-value")
    text = metrics.render().decode()
    assert 'tradingbot_price_guard_trips_total{reason="jump"} 1.0' in text
    assert 'tradingbot_price_guard_trips_total{reason="other"} 1.0' in text
    assert "secret-token-value" not in text
