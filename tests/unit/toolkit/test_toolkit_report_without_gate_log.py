"""`report` without var/artifacts/go_nogo_gate.log: the report is written and says what is missing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tradingbot.toolkit.report import Month, run_report

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
PROGRESS = {"run_id": "r2", "monitor_status": "active", "started_at": "2026-11-27T05:00:00Z",
            "updated_at": "2026-11-27T06:00:00Z", "risk": {"status": "ok", "reasons": []}}  # fmt: skip
COMPLETE = {"run_id": "r1", "started_at": "2026-11-27T01:00:00Z", "finished_at": "2026-11-27T04:00:00Z",
            "stop_reason": "signal", "exit_code": 0}  # fmt: skip


def test_report_is_written_without_the_gate_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    (artifacts / "run_progress.json").write_text(json.dumps(PROGRESS))
    (artifacts / "run_complete.json").write_text(json.dumps(COMPLETE))
    assert run_report(tmp_path, Month(2026, 11), NOW) == 0
    out = capsys.readouterr().out
    assert "[monthly-report] missing input: var/artifacts/go_nogo_gate.log" in out
    assert "next action: run the gate once: bash scripts/go_nogo_gate.sh" in out
    assert "gates=unavailable(go_nogo_gate.log missing)" in out
    body = json.loads((artifacts / "monthly" / "monthly_report_202611.json").read_text())
    assert body["gates"]["available"] is False
    assert body["gates"]["next_action"] == "run the gate once: bash scripts/go_nogo_gate.sh"
    assert body["uptime"]["seconds"] > 0  # the rest of the report is there
    markdown = (artifacts / "monthly" / "monthly_report_202611.md").read_text()
    assert "取得不可: var/artifacts/go_nogo_gate.log is missing" in markdown


def test_missing_run_artifacts_still_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "run_complete.json").write_text(json.dumps(COMPLETE))
    assert run_report(tmp_path, Month(2026, 11), NOW) == 1
    out = capsys.readouterr().out
    assert "missing input: var/artifacts/run_progress.json" in out
    assert "FAILED: 2 input(s) missing; no report written" in out
    assert not (tmp_path / "artifacts" / "monthly").exists()
