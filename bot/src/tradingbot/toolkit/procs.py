"""Running a stage: a child process whose output is streamed to the console (and its evidence log)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tradingbot.toolkit.console import Console


@dataclass(frozen=True)
class StageRun:
    exit_code: int
    lines: tuple[str, ...]

    def value_of(self, key: str) -> str | None:
        """The last ``key=value`` a child printed at the start of a line (e.g. ``failed_stage=``)."""
        found = None
        for line in self.lines:
            if line.startswith(f"{key}="):
                found = line.split("=", 1)[1].strip()
        return found


def run_streamed(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], console: Console) -> StageRun:
    try:
        child = subprocess.Popen(  # noqa: S603 - argv built by the toolkit or given by the operator
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        console.say(f"cannot start {argv[0]}: {exc.strerror}")
        return StageRun(127, ())
    lines: list[str] = []
    assert child.stdout is not None
    for line in child.stdout:
        text = line.rstrip("\n")
        lines.append(text)
        console.raw(text)
    return StageRun(child.wait(), tuple(lines))
