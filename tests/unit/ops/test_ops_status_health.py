from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tradingbot.ops.health import HealthReport, RiskSummary, is_healthy, render_health
from tradingbot.ops.status import MonitorStatus, derive_monitor_status
from tradingbot.risk import RiskStatus

UP = {"public": "connected", "private": "connected"}


@pytest.mark.parametrize(
    ("streams", "risk", "halted", "reconciled", "expected"),
    [
        (UP, RiskStatus.OK, False, True, MonitorStatus.ACTIVE),
        (
            {"public": "connected", "private": "reconnecting"},
            RiskStatus.OK,
            False,
            True,
            MonitorStatus.RECONNECTING,
        ),
        ({"public": "stale", "private": "connected"}, RiskStatus.OK, False, True, MonitorStatus.RECONNECTING),
        ({"public": None, "private": "connected"}, RiskStatus.OK, False, True, MonitorStatus.RECONNECTING),
        ({}, RiskStatus.OK, False, True, MonitorStatus.RECONNECTING),
        (UP, RiskStatus.DEGRADED, False, True, MonitorStatus.DEGRADED),
        (UP, RiskStatus.OK, False, False, MonitorStatus.DEGRADED),
        ({"public": "reconnecting"}, RiskStatus.DEGRADED, False, True, MonitorStatus.DEGRADED),
        (UP, RiskStatus.ABORT, False, True, MonitorStatus.HALTED),
        (UP, RiskStatus.OK, True, True, MonitorStatus.HALTED),
        ({"public": "stale"}, RiskStatus.DEGRADED, True, False, MonitorStatus.HALTED),
        ({"public": "CONNECTED", "private": "Connected"}, RiskStatus.OK, False, True, MonitorStatus.ACTIVE),
    ],
)
def test_derive_monitor_status(
    streams: dict[str, str | None], risk: RiskStatus, halted: bool, reconciled: bool, expected: MonitorStatus
) -> None:
    assert derive_monitor_status(streams, risk, halted, reconciled) is expected


def test_monitor_status_values_are_the_seeds() -> None:
    assert [s.value for s in MonitorStatus] == ["active", "reconnecting", "degraded", "halted"]


NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", list(MonitorStatus))
def test_only_active_is_healthy(status: MonitorStatus) -> None:
    report = HealthReport(monitor_status=status, last_loop_at=NOW)
    assert is_healthy(report) is (status is MonitorStatus.ACTIVE)
    code, body = render_health(report)
    assert code == (200 if status is MonitorStatus.ACTIVE else 503)
    assert body["status"] == ("ok" if status is MonitorStatus.ACTIVE else "unhealthy")
    assert body["monitor_status"] == status.value


def test_halted_flag_is_never_healthy() -> None:
    assert not is_healthy(HealthReport(monitor_status=MonitorStatus.ACTIVE, halted=True))


def test_stale_loop_is_unhealthy_when_a_max_age_is_given() -> None:
    fresh = HealthReport(monitor_status=MonitorStatus.ACTIVE, last_loop_at=NOW - timedelta(seconds=5))
    assert is_healthy(fresh, now=NOW, max_loop_age=timedelta(seconds=30))
    assert not is_healthy(fresh, now=NOW, max_loop_age=timedelta(seconds=4))
    never = HealthReport(monitor_status=MonitorStatus.ACTIVE)
    assert is_healthy(never)
    assert not is_healthy(never, now=NOW, max_loop_age=timedelta(seconds=30))


def test_health_body_shape_matches_the_contract() -> None:
    report = HealthReport(
        monitor_status=MonitorStatus.DEGRADED,
        risk=RiskSummary(status=RiskStatus.DEGRADED, reasons=("max_leverage_exceeded",)),
        last_loop_at=NOW,
        stream={"public": "connected", "private": "connected"},
        mode="paper",
        secrets={"gmo_api_key": "file", "gmo_api_secret": "env", "discord_webhook_url": "absent"},
    )
    _, body = render_health(report)
    assert set(body) >= {
        "status",
        "monitor_status",
        "risk",
        "halted",
        "last_loop_at",
        "stream",
        "mode",
        "secrets",
        "reconciliation",
    }
    assert body["risk"] == {"status": "degraded", "reasons": ["max_leverage_exceeded"]}
    assert body["last_loop_at"].startswith("2026-11-27T06:00:00")
