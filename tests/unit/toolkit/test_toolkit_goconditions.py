from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradingbot.toolkit.goconditions import Condition, evaluate

RESTART = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
PROGRESS = {"run_id": "r2", "monitor_status": "active", "risk": {"status": "ok", "reasons": []}}
COMPLETE = {"run_id": "r1", "finished_at": "2026-11-27T06:00:01Z", "stop_reason": "signal"}
HEALTH = {"status": "ok", "risk": {"status": "ok", "reasons": []}, "mode": "paper"}


def run(**changes: Any) -> dict[str, Condition]:
    args: dict[str, Any] = {
        "progress": PROGRESS,
        "complete": COMPLETE,
        "health": HEALTH,
        "previous_run_id": "r1",
        "restarted_at": RESTART,
        "mode": "paper",
        "secrets_dir": Path("secrets"),
        "existing_secrets": frozenset(),
        **changes,
    }
    return {c.name: c for c in evaluate(**args)}


def test_all_go() -> None:
    result = run()
    assert all(c.ok for c in result.values()), result
    assert result["secrets"].detail == "paper mode: secrets files are not needed"


def test_monitor_status_outside_the_range() -> None:
    assert not run(progress={**PROGRESS, "monitor_status": "halted"})["monitor_status"].ok
    assert run(progress={**PROGRESS, "monitor_status": "reconnecting"})["monitor_status"].ok


def test_run_complete_must_be_the_latest_run() -> None:
    assert not run(complete=None)["run_complete"].ok
    assert not run(complete={**COMPLETE, "run_id": "r0"})["run_complete"].ok
    # Without run ids the time decides.
    old = {"finished_at": "2026-11-26T00:00:00Z"}
    assert not run(complete=old, previous_run_id=None)["run_complete"].ok
    assert run(complete={"finished_at": "2026-11-27T06:00:00.500Z"}, previous_run_id=None)["run_complete"].ok


def test_abort_anywhere_is_no_go() -> None:
    aborted = {**HEALTH, "risk": {"status": "abort", "reasons": ["max_drawdown_exceeded"]}}
    condition = run(health=aborted)["risk_matrix"]
    assert not condition.ok
    assert "max_drawdown_exceeded" in condition.detail
    assert run(progress={**PROGRESS, "risk": {"status": "degraded", "reasons": ["max_leverage_exceeded"]}})[
        "risk_matrix"
    ].ok


def test_live_mode_needs_the_secret_files() -> None:
    missing = run(mode="live", existing_secrets=frozenset({"gmo_api_key"}))["secrets"]
    assert not missing.ok
    assert "gmo_api_secret=MISSING" in missing.detail
    present = run(mode="live", existing_secrets=frozenset({"gmo_api_key", "gmo_api_secret"}))["secrets"]
    assert present.ok
    assert "discord_webhook_url=absent (optional)" in present.detail
