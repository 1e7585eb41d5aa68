"""The audit log: one JSON object a line in ``var/logs/audit_events.jsonl``, rotated by size.

Rotation keeps ``audit_events.jsonl.1`` (newest) ... ``.N`` (oldest, N = AUDIT_LOG_RETENTION); the oldest
is dropped. One lock serialises write and rotation, so concurrent writers in one process (threads, or
asyncio tasks calling from the loop) never lose or tear a line across a rotation. Each line is written
with one ``write(2)`` on an ``O_APPEND`` descriptor. Several processes are not supported: the
single-instance lock (:mod:`tradingbot.ops.lock`) guarantees one writer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tradingbot.config import validate_audit_limits


def _default(value: object) -> Any:
    # Decimal, Path, enums... keep their exact text form (never float for money).
    return str(value)


class AuditLog:
    def __init__(
        self,
        path: Path,
        max_bytes: int,
        retention: int,
        *,
        redact: Callable[[str], str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        validate_audit_limits(max_bytes, retention)
        self.path = path
        self.max_bytes = max_bytes
        self.retention = retention
        self._redact = redact
        self._clock = clock
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._size = 0

    def rotated_path(self, index: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{index}")

    def _open(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._size = os.fstat(self._fd).st_size
        return self._fd

    def _rotate(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        for index in range(self.retention - 1, 0, -1):
            source = self.rotated_path(index)
            if source.exists():
                os.replace(source, self.rotated_path(index + 1))
        os.replace(self.path, self.rotated_path(1))
        # A lowered retention leaves older generations behind; drop them too.
        index = self.retention + 1
        while self.rotated_path(index).exists():
            self.rotated_path(index).unlink()
            index += 1

    def write(self, event: str, fields: Mapping[str, Any] | None = None) -> None:
        """Append ``{"ts": ..., "event": event, **fields}`` as one line."""
        record: dict[str, Any] = {"ts": self._clock().isoformat(timespec="milliseconds"), "event": event}
        if fields:
            record.update(fields)
        line = orjson.dumps(record, default=_default)
        if self._redact is not None:
            line = self._redact(line.decode()).encode()
        line += b"\n"
        with self._lock:
            fd = self._open()
            if self._size > 0 and self._size + len(line) > self.max_bytes:
                self._rotate()
                fd = self._open()
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            self._size += len(line)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
