"""The ``var/`` layout and the artifact file names: the one definition the bot, the toolkit and ops share.

The ops guide fixes these paths (``var/artifacts/run_progress.json``, ``var/logs/audit_events.jsonl``,
``var/artifacts/go_nogo_gate.log``, ...); the seed's scripts and the operators read them, so a name here is
a contract, not a choice. Everything else builds paths through :class:`VarLayout`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_VAR_DIR = Path("var")

# Directories under the var dir.
ARTIFACTS_DIR = "artifacts"
LOGS_DIR = "logs"
STATE_DIR = "state"
RUN_DIR = "run"  # the toolkit's local runtime keeps the bot's pid here
MONTHLY_DIR = "monthly"  # under artifacts

# Artifacts (under var/artifacts).
RUN_PROGRESS = "run_progress.json"
RUN_COMPLETE = "run_complete.json"
GO_NOGO_LOG = "go_nogo_gate.log"
GO_LIVE_PREP_LOG = "go_live_prep.log"
GO_LIVE_PREP_SUMMARY = "go_live_prep_summary.json"
LIVE_DRILL_RESULT = "live_connectivity_drill.json"

# State (the var dir itself and var/state).
HALT_RECORD = "halt.json"  # var/halt.json: readable and clearable without the engine's schema
INSTANCE_LOCK = "tradingbot.lock"  # var/tradingbot.lock: one bot per var dir (flock)
ENGINE_DB = "engine.sqlite3"  # var/state: the engine's store against a real exchange or TRADINGBOT_SIM_URL
PAPER_EMBEDDED_DB = "paper-embedded.sqlite3"  # var/state: the store of a run on the embedded simulator
STATE_DBS = (ENGINE_DB, PAPER_EMBEDDED_DB)

# Logs (under var/logs).
AUDIT_LOG = "audit_events.jsonl"
BOT_STDOUT_LOG = "bot.stdout.log"  # the toolkit's local runtime captures the bot's output here
BOT_PID = "bot.pid"  # under var/run


def monthly_report_names(tag: str) -> tuple[str, str]:
    """``monthly_report_YYYYMM.json`` and ``.md`` (under var/artifacts/monthly)."""
    return f"monthly_report_{tag}.json", f"monthly_report_{tag}.md"


def shown(*parts: str) -> str:
    """A path as the ops guide writes it (``var/artifacts/go_live_prep.log``), for messages only."""
    return "/".join((DEFAULT_VAR_DIR.as_posix(), *parts))


@dataclass(frozen=True)
class VarLayout:
    """Paths under one var dir; pure path arithmetic, no I/O."""

    root: Path = DEFAULT_VAR_DIR

    @property
    def artifacts(self) -> Path:
        return self.root / ARTIFACTS_DIR

    @property
    def logs(self) -> Path:
        return self.root / LOGS_DIR

    @property
    def state(self) -> Path:
        return self.root / STATE_DIR

    @property
    def halt_record(self) -> Path:
        return self.root / HALT_RECORD

    @property
    def instance_lock(self) -> Path:
        return self.root / INSTANCE_LOCK

    @property
    def engine_db(self) -> Path:
        return self.state / ENGINE_DB

    @property
    def paper_embedded_db(self) -> Path:
        return self.state / PAPER_EMBEDDED_DB

    @property
    def run(self) -> Path:
        return self.root / RUN_DIR

    @property
    def bot_pid(self) -> Path:
        return self.run / BOT_PID

    @property
    def monthly(self) -> Path:
        return self.artifacts / MONTHLY_DIR

    @property
    def run_progress(self) -> Path:
        return self.artifacts / RUN_PROGRESS

    @property
    def run_complete(self) -> Path:
        return self.artifacts / RUN_COMPLETE

    @property
    def go_nogo_log(self) -> Path:
        return self.artifacts / GO_NOGO_LOG

    @property
    def go_live_prep_log(self) -> Path:
        return self.artifacts / GO_LIVE_PREP_LOG

    @property
    def go_live_prep_summary(self) -> Path:
        return self.artifacts / GO_LIVE_PREP_SUMMARY

    @property
    def live_drill_result(self) -> Path:
        return self.artifacts / LIVE_DRILL_RESULT

    @property
    def audit_log(self) -> Path:
        return self.logs / AUDIT_LOG

    @property
    def bot_stdout_log(self) -> Path:
        return self.logs / BOT_STDOUT_LOG
