"""The persistent pause record: ``tradingbot pause`` keeps the bot from opening positions, across restarts,
until ``tradingbot resume``.

Decision (docs/architecture.md, "Controls"): an operator who paused before a restart expects the bot to
come back paused, so the pause is a small JSON file ``<var_dir>/paused.json`` (replaced atomically), kept
like the halt record and cleared only by resume. An unreadable record fails closed (paused).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from tradingbot.ops.atomicfile import write_bytes_atomic

PAUSE_FILE_NAME = "paused.json"

log = logging.getLogger(__name__)


class PauseState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    paused: bool = False
    since: AwareDatetime | None = None
    by: str | None = None
    run_id: str | None = None


class PauseStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_var_dir(cls, var_dir: Path) -> PauseStore:
        return cls(var_dir / PAUSE_FILE_NAME)

    def load(self) -> PauseState:
        try:
            return PauseState.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return PauseState()
        except (OSError, ValidationError) as exc:
            # Fail closed: a damaged record must not silently let the bot open positions again.
            log.error("the pause record %s is unreadable (%s): staying paused; `tradingbot resume` rewrites"
                      " it", self.path, type(exc).__name__)  # fmt: skip
            return PauseState(paused=True, by="unreadable pause record")

    def save(self, paused: bool, *, by: str, run_id: str, now: datetime) -> PauseState:
        state = PauseState(paused=paused, since=now, by=by, run_id=run_id)
        write_bytes_atomic(self.path, state.model_dump_json(indent=2).encode() + b"\n")
        return state
