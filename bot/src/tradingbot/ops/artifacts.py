"""``var/artifacts/run_progress.json`` and ``run_complete.json``: the files the seed's scripts read.

Written atomically (temp + fsync + rename + directory fsync) so a reader never sees a torn file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from tradingbot.layout import RUN_COMPLETE, RUN_PROGRESS
from tradingbot.ops.atomicfile import write_bytes_atomic
from tradingbot.ops.health import RiskSummary
from tradingbot.ops.status import MonitorStatus


def _now() -> datetime:
    return datetime.now(UTC)


class RunProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_id: str
    monitor_status: MonitorStatus
    risk: RiskSummary = RiskSummary()
    halted: bool = False
    mode: Literal["paper", "live"] = "paper"
    symbol: str = ""
    started_at: AwareDatetime
    updated_at: AwareDatetime = Field(default_factory=_now)
    last_loop_at: AwareDatetime | None = None
    loop_count: int = 0
    loop_failures: int = 0
    stream: dict[str, str] = Field(default_factory=dict)
    position_size: str | None = None
    equity_jpy: str | None = None
    paused: bool = False
    version: str | None = None


class RunComplete(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_id: str
    stop_reason: str
    started_at: AwareDatetime
    finished_at: AwareDatetime = Field(default_factory=_now)
    exit_code: int
    monitor_status: MonitorStatus | None = None
    risk: RiskSummary = RiskSummary()
    halted: bool = False
    mode: Literal["paper", "live"] = "paper"
    symbol: str = ""
    loop_count: int = 0
    loop_failures: int = 0
    orders_sent: int = 0
    version: str | None = None
    # The stop summary (docs/operations.md): what this run did and what it left on the exchange.
    orders_placed: int | None = None
    fills: int | None = None
    realised_pnl_jpy: str | None = None
    fees_jpy: str | None = None
    position_left: str | None = None  # signed net size; None when the exchange could not be read
    position_left_long: str | None = None
    position_left_short: str | None = None
    paused: bool = False


class ArtifactWriter:
    def __init__(self, artifacts_dir: Path) -> None:
        self.dir = artifacts_dir

    @property
    def progress_path(self) -> Path:
        return self.dir / RUN_PROGRESS

    @property
    def complete_path(self) -> Path:
        return self.dir / RUN_COMPLETE

    def write_progress(self, progress: RunProgress) -> Path:
        write_bytes_atomic(self.progress_path, progress.model_dump_json(indent=2).encode() + b"\n")
        return self.progress_path

    def write_complete(self, complete: RunComplete) -> Path:
        write_bytes_atomic(self.complete_path, complete.model_dump_json(indent=2).encode() + b"\n")
        return self.complete_path

    def read_progress(self) -> RunProgress | None:
        try:
            return RunProgress.model_validate_json(self.progress_path.read_bytes())
        except FileNotFoundError:
            return None

    def read_complete(self) -> RunComplete | None:
        try:
            return RunComplete.model_validate_json(self.complete_path.read_bytes())
        except FileNotFoundError:
            return None
