"""Logging refused frames without flooding: at most one line per reason per minute, with a safe preview."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

PREVIEW_CHARS = 80
LOG_EVERY = 60.0


def preview(frame: str | bytes, limit: int = PREVIEW_CHARS) -> str:
    """The frame's start, truncated, with control characters and non-ASCII escaped (no log injection)."""
    text = frame[: limit * 4].decode("utf-8", "replace") if isinstance(frame, bytes) else frame
    cut = text[:limit]
    escaped = cut.encode("ascii", "backslashreplace").decode("ascii")
    escaped = "".join(c if " " <= c <= "~" else f"\\x{ord(c):02x}" for c in escaped)
    return escaped + ("..." if len(text) > limit else "")


class MalformedLog:
    """Logs the first refusal of each reason, then at most once per ``every`` seconds with the count since."""

    def __init__(
        self,
        logger: logging.Logger,
        stream: str,
        *,
        every: float = LOG_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._stream = stream
        self._every = every
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self.lines = 0

    def refused(self, reason: str, detail: str, frame: str | bytes) -> None:
        now = self._clock()
        last = self._last.get(reason)
        if last is not None and now - last < self._every:
            self._suppressed[reason] = self._suppressed.get(reason, 0) + 1
            return
        self._last[reason] = now
        suppressed = self._suppressed.pop(reason, 0)
        self.lines += 1
        self._log.warning(
            "%s stream: refused frame (%s; %d more since the last line): %s; frame: %s",
            self._stream,
            reason,
            suppressed,
            preview(detail, 120),
            preview(frame),
        )
