"""The persistent halt record: after an abort the bot stays halted across restarts until an operator
runs ``clear-halt``.

Stored as one small JSON file (default ``<var_dir>/halt.json``), replaced atomically. It is deliberately
separate from the engine's SQLite store: an operator can read (and a recovery can clear) it without the
engine's schema, and it is the one fact that must survive even a damaged trading database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from tradingbot import layout
from tradingbot.ops.atomicfile import write_bytes_atomic

HALT_FILE_NAME = layout.HALT_RECORD


class HaltState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    halted: bool = False
    reasons: tuple[str, ...] = ()
    since: AwareDatetime | None = None
    run_id: str | None = None
    cleared_at: AwareDatetime | None = None
    cleared_by: str | None = None


class HaltStoreError(RuntimeError):
    pass


class HaltStore:
    """Load/save :class:`HaltState` at ``path``. A missing file means "not halted"."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_var_dir(cls, var_dir: Path) -> HaltStore:
        return cls(var_dir / HALT_FILE_NAME)

    def load(self) -> HaltState:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return HaltState()
        except OSError as exc:
            raise HaltStoreError(f"cannot read the halt record {self.path}: {exc.strerror}") from exc
        try:
            return HaltState.model_validate_json(raw)
        except ValidationError as exc:
            # Fail closed: an unreadable record must not silently un-halt the bot.
            raise HaltStoreError(
                f"the halt record {self.path} is not valid JSON of a HaltState ({exc.error_count()} errors);"
                " inspect it, then remove it or run clear-halt"
            ) from exc

    def save(self, state: HaltState) -> None:
        write_bytes_atomic(self.path, state.model_dump_json(indent=2).encode() + b"\n")

    def halt(
        self, reasons: tuple[str, ...], *, run_id: str | None = None, now: datetime | None = None
    ) -> HaltState:
        """Record a halt; an existing halt keeps its original ``since`` and gains the new reasons."""
        current = self.load()
        at = now or datetime.now(UTC)
        if current.halted:
            merged = current.reasons + tuple(r for r in reasons if r not in current.reasons)
            state = current.model_copy(update={"reasons": merged})
        else:
            state = HaltState(halted=True, reasons=tuple(reasons), since=at, run_id=run_id)
        self.save(state)
        return state

    def clear(self, *, by: str = "operator", now: datetime | None = None) -> HaltState:
        previous = self.load()
        state = HaltState(
            halted=False,
            reasons=previous.reasons,
            since=previous.since,
            run_id=previous.run_id,
            cleared_at=now or datetime.now(UTC),
            cleared_by=by,
        )
        self.save(state)
        return state
