from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tradingbot.ops import atomicfile
from tradingbot.ops.artifacts import ArtifactWriter, RunComplete, RunProgress
from tradingbot.ops.health import RiskSummary
from tradingbot.ops.status import MonitorStatus
from tradingbot.risk import RiskStatus

STARTED = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def test_progress_and_complete_round_trip(tmp_path: Path) -> None:
    writer = ArtifactWriter(tmp_path / "var" / "artifacts")
    assert writer.read_progress() is None
    progress = RunProgress(
        run_id="r1",
        monitor_status=MonitorStatus.ACTIVE,
        risk=RiskSummary(status=RiskStatus.OK),
        started_at=STARTED,
        updated_at=STARTED,
        loop_count=3,
    )
    path = writer.write_progress(progress)
    assert path == tmp_path / "var" / "artifacts" / "run_progress.json"
    raw = json.loads(path.read_text())
    assert raw["monitor_status"] == "active"
    assert raw["risk"] == {"status": "ok", "reasons": []}
    assert raw["updated_at"] == "2026-11-27T06:00:00Z"
    assert raw["run_id"] == "r1"
    assert writer.read_progress() == progress

    complete = RunComplete(run_id="r1", stop_reason="signal:SIGTERM", started_at=STARTED, exit_code=0)
    writer.write_complete(complete)
    raw = json.loads(writer.complete_path.read_text())
    assert {"run_id", "stop_reason", "started_at", "finished_at", "exit_code"} <= raw.keys()
    assert writer.read_complete() == complete
    assert sorted(p.name for p in writer.dir.iterdir()) == ["run_complete.json", "run_progress.json"]


def test_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = ArtifactWriter(tmp_path)
    first = RunProgress(run_id="r1", monitor_status=MonitorStatus.ACTIVE, started_at=STARTED)
    writer.write_progress(first)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        writer.write_progress(first.model_copy(update={"monitor_status": MonitorStatus.HALTED}))
    monkeypatch.undo()
    assert writer.read_progress() == first
    assert [p.name for p in tmp_path.iterdir()] == ["run_progress.json"]  # no temp file left behind


def test_write_bytes_atomic_creates_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "x.json"
    atomicfile.write_bytes_atomic(target, b"{}\n")
    assert target.read_bytes() == b"{}\n"
