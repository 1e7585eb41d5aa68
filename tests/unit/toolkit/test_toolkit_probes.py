from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tradingbot.toolkit.probes import HttpProbe, judge_health, judge_metrics, judge_progress

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def test_health_ok_only_on_200_and_status_ok() -> None:
    good = HttpProbe("u", 200, json.dumps({"status": "ok", "monitor_status": "active"}))
    assert judge_health(good).ok
    bad = judge_health(HttpProbe("u", 503, json.dumps({"status": "unhealthy", "monitor_status": "degraded"})))
    assert not bad.ok
    assert "HTTP 503" in bad.problems[0]
    assert "status='unhealthy'" in bad.problems[1]
    down = judge_health(HttpProbe("u", None, error="ConnectError"))
    assert not down.ok
    assert "unreachable" in down.summary


def test_metrics_need_the_seed_names() -> None:
    text = '# HELP x\nrun_loop_failures_total 0.0\nmonitor_status{status="active"} 1.0\n'
    assert judge_metrics(HttpProbe("u", 200, text)).ok
    missing = judge_metrics(HttpProbe("u", 200, "run_loop_failures_total 0\n"))
    assert not missing.ok
    assert "monitor_status" in missing.problems[0]


def test_progress_status_and_staleness() -> None:
    fresh = {"monitor_status": "reconnecting", "updated_at": (NOW - timedelta(seconds=5)).isoformat()}
    assert judge_progress(fresh, "", NOW, 120).ok
    degraded = judge_progress({**fresh, "monitor_status": "degraded"}, "", NOW, 120)
    assert not degraded.ok
    assert "monitor_status='degraded'" in degraded.problems[0]
    stale = judge_progress({**fresh, "updated_at": "2026-11-27T05:00:00Z"}, "", NOW, 120)
    assert not stale.ok
    assert "stale" in stale.problems[0]
    missing = judge_progress(None, "run_progress.json is missing", NOW, 120)
    assert missing.problems == ("run_progress.json is missing",)
