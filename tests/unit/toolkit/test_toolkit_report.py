from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tradingbot.toolkit.report import Month, build_report, render_markdown, run_report

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
PROGRESS = {
    "run_id": "r2",
    "monitor_status": "active",
    "started_at": "2026-11-27T05:00:00Z",
    "updated_at": "2026-11-27T06:00:00Z",
    "risk": {"status": "ok", "reasons": []},
}
COMPLETE = {
    "run_id": "r1",
    "started_at": "2026-11-27T01:00:00Z",
    "finished_at": "2026-11-27T04:00:00Z",
    "stop_reason": "signal",
    "exit_code": 0,
}
GATE_LOG = (
    "2026-11-27T04:10:00.000Z [go-nogo] DECISION: NO-GO stage=smoke reason=failed_iteration=2/3\n"
    "2026-11-27T05:10:00.000Z [go-nogo] DECISION: GO\n"
    "2026-10-01T00:00:00.000Z [go-nogo] DECISION: GO\n"
)


def test_month_parsing_and_bounds() -> None:
    month = Month.parse("202611")
    assert month.tag == "202611"
    assert Month.parse("2026-12").end.year == 2027
    # 2026-11-30T16:00Z is already December in Tokyo.
    assert Month.of(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)).month == 12
    with pytest.raises(Exception, match="accepted: YYYYMM"):
        Month.parse("2026-13")


def test_report_numbers() -> None:
    audit = [
        {"ts": "2026-11-27T01:00:05Z", "event": "order_sent", "run_id": "r1"},
        {"ts": "2026-11-27T01:00:06Z", "event": "fill", "run_id": "r1", "realized_pnl": "-120.5", "fee": "3"},
        {"ts": "2026-11-27T01:00:07Z", "event": "order_cancelled", "run_id": "r1"},
        {"ts": "2026-11-27T02:00:00Z", "event": "risk_halt", "reason": "max_trade_loss_exceeded"},
    ]
    report = build_report(
        month=Month(2026, 11), now=NOW, progress=PROGRESS, complete=COMPLETE, gate_log=GATE_LOG, audit=audit
    )
    # r1: 3 h, r2: 1 h (to its last update).
    assert report["uptime"]["seconds"] == 4 * 3600
    assert report["stops"]["reasons"] == {"signal": 1}
    assert report["stops"]["risk_events"][0]["reason"] == "max_trade_loss_exceeded"
    assert (report["gates"]["go"], report["gates"]["no_go"]) == (1, 1)
    assert report["gates"]["results"][0]["stage"] == "smoke"
    trading = report["trading"]
    assert (trading["orders"], trading["cancels"], trading["fills"]) == (1, 1, 1)
    assert trading["realized_pnl_jpy"] == "-120.5"
    markdown = render_markdown(report)
    assert "# 月次レポート 2026-11" in markdown
    assert "GO: 1 / NO-GO: 1" in markdown


def test_without_audit_log_the_trading_summary_says_so() -> None:
    report = build_report(
        month=Month(2026, 11), now=NOW, progress=PROGRESS, complete=COMPLETE, gate_log="", audit=None
    )
    assert report["trading"] == {"available": False, "why": "no audit log"}


def test_missing_inputs_are_named_with_the_next_action(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "run_progress.json").write_text(json.dumps(PROGRESS))
    assert run_report(tmp_path, Month(2026, 11), NOW) == 1
    out = capsys.readouterr().out
    assert "[monthly-report] missing input: var/artifacts/run_complete.json" in out
    assert "[monthly-report] missing input: var/artifacts/go_nogo_gate.log" in out
    assert "next action: run the gate once: bash scripts/go_nogo_gate.sh" in out
    assert "run_progress.json (" not in out
    assert not (tmp_path / "artifacts" / "monthly").exists()


def test_writes_json_and_markdown(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    (artifacts / "run_progress.json").write_text(json.dumps(PROGRESS))
    (artifacts / "run_complete.json").write_text(json.dumps(COMPLETE))
    (artifacts / "go_nogo_gate.log").write_text(GATE_LOG)
    assert run_report(tmp_path, Month(2026, 11), NOW) == 0
    body = json.loads((artifacts / "monthly" / "monthly_report_202611.json").read_text())
    assert body["month"] == "2026-11"
    assert (artifacts / "monthly" / "monthly_report_202611.md").read_text().startswith("# 月次レポート")
