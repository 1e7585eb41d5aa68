"""Where the private stream keeps its WS access token between runs (``var/state/ws_token.json``).

A killed process (kill -9, OOM, power loss) cannot delete its token, and GMO keeps at most five per API key:
a sixth evicts the one nearest to expiry, which may be the stream of another program on the same key. So
the stream writes each token it creates here, and the next start extends and reuses it (or deletes it if it
is no longer valid) instead of piling up new ones. The token is a credential: the file is mode 0600, is
written atomically, and its content is never logged. It also names the REST endpoint the token belongs to,
so a paper run against a simulator never tries (and never deletes) a token of the real exchange.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Protocol

import orjson

from tradingbot.ops.atomicfile import write_bytes_atomic

log = logging.getLogger(__name__)


class TokenStore(Protocol):
    """What the private stream needs to keep a token across restarts."""

    def load(self) -> str | None: ...

    def save(self, token: str) -> None: ...

    def clear(self) -> None: ...


class FileTokenStore:
    """One token for one endpoint in a 0600 JSON file."""

    def __init__(self, path: Path, endpoint: str) -> None:
        self.path = path
        self.endpoint = endpoint

    def load(self) -> str | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            data = None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token or not token.isascii() or not token.isprintable():
            # A torn or hand-edited file: nothing to reuse (never echo the content, it may be a token).
            log.warning("ws token file %s is unreadable; ignoring it", self.path)
            return None
        if data.get("endpoint") != self.endpoint:
            # Kept by a run against another venue (a simulator vs the real exchange): not ours to reuse.
            log.info("ws token file %s belongs to another endpoint; not reusing it", self.path)
            return None
        return token

    def save(self, token: str) -> None:
        write_bytes_atomic(self.path, orjson.dumps({"endpoint": self.endpoint, "token": token}))
        # mkstemp already creates 0600; say it explicitly so a changed umask or helper cannot widen it.
        os.chmod(self.path, 0o600)

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class MemoryTokenStore:
    """A store that forgets on exit (the embedded simulator, tests)."""

    def __init__(self) -> None:
        self.token: str | None = None

    def load(self) -> str | None:
        return self.token

    def save(self, token: str) -> None:
        self.token = token

    def clear(self) -> None:
        self.token = None
