"""The private stream's access token over its whole life: kept across restarts, renewed, deleted.

GMO keeps at most five WS tokens per API key, and a sixth evicts the one nearest to expiry. So:

- on start the token a previous run kept (:mod:`tradingbot.venues.gmo.tokenstore`) is extended and reused;
  if the exchange no longer knows it, it is deleted ("no such token" is fine) and a new one is created;
- every created token is kept at once, so a kill -9 leaves at most the one it was using;
- a token that stops working (expired, or evicted by another program creating tokens on the same key, which
  also closes our stream) is replaced, and the replacement is counted by reason and logged, never silent;
- a clean stop deletes the token; its file goes once the exchange no longer has it.

Token values never reach a log line, an exception message or a metric label.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from tradingbot.venues.gmo.errors import ErrorCategory, GmoError
from tradingbot.venues.gmo.tokenstore import MemoryTokenStore, TokenStore

log = logging.getLogger(__name__)

RETRYABLE = (ErrorCategory.NETWORK, ErrorCategory.RATE_LIMIT)
"""Failures that say nothing about the token: try again later, keep it."""


class WsTokenSource(Protocol):
    """What the private stream needs from the REST client: the WS token calls and nothing else."""

    async def create_ws_token(self) -> str: ...

    async def extend_ws_token(self, token: str) -> None: ...

    async def delete_ws_token(self, token: str) -> None: ...


class TokenKeeper:
    """The current token of one private stream; `token` is None when a new one must be created."""

    def __init__(
        self,
        source: WsTokenSource,
        store: TokenStore | None = None,
        *,
        delete_timeout: float = 2.0,
        on_renewal: Callable[[str], None] | None = None,
    ) -> None:
        self._source = source
        self._store: TokenStore = store if store is not None else MemoryTokenStore()
        self._delete_timeout = delete_timeout
        self._on_renewal = on_renewal
        self._restored = False
        self.token: str | None = None
        self.created = 0
        self.extended = 0
        self.reused = 0
        self.renewals: dict[str, int] = {}

    def drop(self, reason: str) -> None:
        """The held token stopped working: the next `current()` creates one; counted and logged."""
        if self.token is None:
            return
        self.token = None
        self.renewals[reason] = self.renewals.get(reason, 0) + 1
        log.warning("private stream: access token replaced (%s)", reason)
        if self._on_renewal is not None:
            self._on_renewal(reason)

    async def extend(self) -> None:
        """PUT the held token (raises GmoError; the caller decides what a refusal means)."""
        if self.token is not None:
            await self._source.extend_ws_token(self.token)
            self.extended += 1

    async def current(self, *, after_drop: bool) -> str:
        """The token to connect with: restored on the first call, checked after a drop, else created."""
        if not self._restored:
            self._restored = True
            await self._restore()
        elif after_drop and self.token is not None:
            # The token may have expired or been evicted meanwhile: extending tells us, and keeps it alive.
            try:
                await self.extend()
            except GmoError as exc:
                if exc.category in RETRYABLE:
                    raise
                log.info("private stream: token no longer valid (%s), getting a new one", exc.category)
                self.drop("rejected_after_drop")
        if self.token is None:
            self.token = await self._source.create_ws_token()
            self.created += 1
            self._store.save(self.token)
        return self.token

    async def _restore(self) -> None:
        stored = self._store.load()
        if stored is None:
            return
        try:
            await self._source.extend_ws_token(stored)
        except GmoError as exc:
            if exc.category in RETRYABLE:
                self._restored = False  # undecided: try again after the backoff
                raise
            log.info("private stream: the kept token is no longer valid (%s); deleting it", exc.category)
            await self._delete(stored)
            self._store.clear()
            self.token = stored  # so that drop() counts and reports the renewal
            self.drop("stored_invalid")
            return
        self.extended += 1
        self.reused += 1
        self.token = stored
        log.info("private stream: reusing the kept access token")

    async def _delete(self, token: str) -> bool:
        """DELETE the token; True when it is gone (deleted now, or already unknown to the exchange)."""
        try:
            async with asyncio.timeout(self._delete_timeout):
                await self._source.delete_ws_token(token)
        except TimeoutError:
            log.info("private stream: deleting an access token timed out")
            return False
        except GmoError as exc:
            if exc.category in RETRYABLE:
                log.info("private stream: could not delete an access token (%s)", exc.category)
                return False
            return True  # "no such token": expired or evicted already
        return True

    async def release(self) -> None:
        """Clean stop: delete the token; forget the file only once the exchange no longer has it."""
        token, self.token = self.token, None
        if token is None:
            log.info("private stream: stopping with no access token held")
            return
        if await self._delete(token):
            self._store.clear()
            log.info("private stream: access token deleted on stop")
        else:
            log.warning(
                "private stream: the access token could not be deleted on stop; the next start does it"
            )
