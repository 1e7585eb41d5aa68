"""Private WebSocket access tokens as GMO handles them.

Each token lives 60 minutes and can be extended (PUT) or deleted (DELETE). At most N exist per API key:
creating one more evicts the key's token nearest to its expiry instead of refusing, so a crashed
program's forgotten tokens never block a new one, but a second program creating tokens can evict a
running one's. `on_evict` is told which tokens went, so their private streams can be closed.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


class TokenError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass
class Token:
    api_key: str
    expires_at: float


class TokenRegistry:
    def __init__(self, ttl: float, max_per_key: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_per_key = max_per_key
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        # Called with the tokens a create() evicted; the Simulator closes their connections.
        self.on_evict: Callable[[list[str]], None] = lambda tokens: None
        self.evictions = 0

    def _purge(self) -> None:
        now = self._clock()
        for value in [v for v, t in self._tokens.items() if t.expires_at <= now]:
            del self._tokens[value]

    def create(self, api_key: str) -> str:
        self._purge()
        mine = sorted(
            ((t.expires_at, v) for v, t in self._tokens.items() if t.api_key == api_key),
            key=lambda pair: pair[0],  # stable: among equal expiries the oldest goes first
        )
        evicted = [value for _, value in mine[: max(0, len(mine) - self.max_per_key + 1)]]
        for value in evicted:
            del self._tokens[value]
        value = secrets.token_urlsafe(32)
        self._tokens[value] = Token(api_key, self._clock() + self.ttl)
        if evicted:
            self.evictions += len(evicted)
            self.on_evict(evicted)
        return value

    def count(self, api_key: str) -> int:
        """Live tokens of one API key."""
        self._purge()
        return sum(1 for t in self._tokens.values() if t.api_key == api_key)

    def counts(self) -> Counter[str]:
        """Live tokens per API key (callers must not expose the keys themselves)."""
        self._purge()
        return Counter(t.api_key for t in self._tokens.values())

    def owner(self, value: str) -> str | None:
        """The API key of a live token, or None when it is unknown or expired."""
        self._purge()
        token = self._tokens.get(value)
        return token.api_key if token else None

    def extend(self, api_key: str, value: str) -> None:
        self._purge()
        token = self._tokens.get(value)
        if token is None or token.api_key != api_key:
            raise TokenError("ERR-5106", "token is unknown or expired; create a new one")
        token.expires_at = self._clock() + self.ttl

    def delete(self, api_key: str, value: str) -> None:
        self._purge()
        token = self._tokens.get(value)
        if token is None or token.api_key != api_key:
            raise TokenError("ERR-5106", "token is unknown or expired")
        del self._tokens[value]

    def expire_all(self) -> list[str]:
        expired = list(self._tokens)
        self._tokens.clear()
        return expired

    def expired(self, values: list[str]) -> list[str]:
        self._purge()
        return [v for v in values if v not in self._tokens]

    def __len__(self) -> int:
        self._purge()
        return len(self._tokens)
