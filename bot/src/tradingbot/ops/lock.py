"""Single-instance lock: ``flock`` on ``<var_dir>/tradingbot.lock``, non-blocking.

The kernel drops the lock when the process dies (even on SIGKILL), so there is no stale-lock cleanup.
The holder's pid is written into the file only to make the refusal message useful.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from tradingbot import layout

LOCK_FILE_NAME = layout.INSTANCE_LOCK


class AlreadyRunning(RuntimeError):  # noqa: N818 - the name the brief and the CLI use
    def __init__(self, var_dir: Path, pid: int | None) -> None:
        self.var_dir = var_dir
        self.pid = pid
        holder = f"pid {pid}" if pid is not None else "an unknown pid"
        super().__init__(
            f"another tradingbot ({holder}) already holds the lock on {var_dir}"
            f" ({var_dir / LOCK_FILE_NAME}); stop it first or use a different TRADINGBOT_VAR_DIR"
        )


class InstanceLock:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.path = var_dir / LOCK_FILE_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        self.var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise AlreadyRunning(self.var_dir, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
