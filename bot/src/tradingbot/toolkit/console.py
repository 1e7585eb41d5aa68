"""Output of a script: prefixed lines on stdout, optionally copied to an evidence log with timestamps."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Console:
    """``[tag] message`` lines; every line also goes to ``log`` (if given) prefixed with a UTC timestamp."""

    def __init__(
        self, tag: str, *, log: Path | None = None, append: bool = False, out: TextIO | None = None
    ) -> None:
        self.tag = tag
        self._out = out if out is not None else sys.stdout
        self._log: TextIO | None = None
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            self._log = log.open("a" if append else "w", encoding="utf-8")

    def say(self, message: str) -> None:
        self.raw(f"[{self.tag}] {message}")

    def raw(self, line: str) -> None:
        """A line as is (child process output, diagnostics)."""
        print(line, file=self._out, flush=True)
        if self._log is not None:
            self._log.write(f"{iso(utc_now())} {line}\n")
            self._log.flush()

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
