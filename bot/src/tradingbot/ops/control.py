"""Who may steer the running bot: the local operator, proven by a per-run token file.

At start the bot writes a fresh random token to ``<var_dir>/control.token`` (mode 0600, so only the bot's
user can read it) and removes it at stop. ``tradingbot pause|resume|flatten`` reads the file and sends the
token in the ``X-Tradingbot-Control-Token`` header; the ops port compares it in constant time. No header ->
401, a wrong token -> 403; either way nothing changes. The ops port keeps its configured bind address
(127.0.0.1 by default). The token is never logged, audited or shown; only its file's path is.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from pathlib import Path

from tradingbot.ops.atomicfile import write_bytes_atomic

TOKEN_FILE_NAME = "control.token"  # noqa: S105 - a file name, not a secret
HEADER = "X-Tradingbot-Control-Token"


def token_path(var_dir: Path) -> Path:
    return var_dir / TOKEN_FILE_NAME


class ControlToken:
    """This run's token: created at start, checked per request, removed at stop."""

    def __init__(self, var_dir: Path) -> None:
        self.path = token_path(var_dir)
        self._value = secrets.token_urlsafe(32)

    def create(self) -> None:
        # The atomic writer's temp file is created 0600 (mkstemp) and renamed: never readable by others.
        write_bytes_atomic(self.path, self._value.encode() + b"\n")
        os.chmod(self.path, 0o600)

    def remove(self) -> None:
        # Only our own token: a newer run's file (after a takeover) is not ours to delete.
        with contextlib.suppress(OSError):
            if self.path.read_text(encoding="ascii").strip() == self._value:
                self.path.unlink()

    def check(self, presented: str | None) -> int:
        """200 when ``presented`` is this run's token, 401 when absent, 403 when wrong."""
        if not presented:
            return 401
        return 200 if hmac.compare_digest(presented.encode(), self._value.encode()) else 403


def read_token(var_dir: Path) -> str:
    """The running bot's token for the CLI; OSError (FileNotFoundError, PermissionError) when unreadable."""
    return token_path(var_dir).read_text(encoding="ascii").strip()
