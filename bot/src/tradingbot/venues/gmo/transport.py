"""The REST client's plumbing: HTTP clients, signing, budgets, envelope parsing, error mapping, retries.

Reads are retried (backoff + full jitter) on network errors, 5xx and ERR-5003. Order, close and cancel sends
are never retried: once the body may have left, a timeout, a reset or a 5xx raises OutcomeUnknown carrying
what was sent, and the caller resolves it from active orders / executions / positions. The endpoints are
in :mod:`tradingbot.venues.gmo.rest`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import httpx
import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

from tradingbot.venues.gmo.auth import Credentials, signed_headers, timestamp_ms
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import (
    ErrorCategory,
    GmoError,
    OutcomeUnknown,
    SentRequest,
    category_for_codes,
    category_for_http_status,
)
from tradingbot.venues.gmo.ratelimit import Clock, Lane, RateLimiter, RateLimits, Sleep
from tradingbot.venues.gmo.symbols import SymbolRules

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# GMO accepts at most 10 ids in one orders/executions query.
_IDS_PER_QUERY = 10
_PAGE_SIZE = 100
_MAX_PAGES = 20


class ClientObserver(Protocol):
    """Metrics hooks; implemented by the ops layer (venues/ never imports prometheus)."""

    def on_request(self, method: str, path: str, seconds: float, outcome: str) -> None: ...

    def on_rate_limited(self) -> None: ...

    def on_retry(self, path: str) -> None: ...


class _NullObserver:
    def on_request(self, method: str, path: str, seconds: float, outcome: str) -> None:
        return None

    def on_rate_limited(self) -> None:
        return None

    def on_retry(self, path: str) -> None:
        return None


class RestTransport:
    """Owns the HTTP clients, the rate limiter and the request/response plumbing of the client."""

    def __init__(
        self,
        endpoints: GmoEndpoints,
        credentials: Credentials | None,
        *,
        limits: RateLimits = RateLimits(),  # noqa: B008 - frozen value object
        timeout: float = 5.0,
        read_retries: int = 3,
        observer: ClientObserver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        timestamp: Callable[[], str] = timestamp_ms,
        backoff_base: float = 0.25,
        backoff_cap: float = 4.0,
        rate_limit_pause: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        if read_retries < 0:
            raise ValueError(f"read_retries must be >= 0, got {read_retries}")
        self.endpoints = endpoints
        self._credentials = credentials
        self._observer: ClientObserver = observer or _NullObserver()
        self._clock = clock
        self._sleep = sleep
        self._timestamp = timestamp
        self._read_retries = read_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._rate_limit_pause = rate_limit_pause
        self._rng = rng or random.Random()
        self.limiter = RateLimiter(limits, clock=clock, sleep=sleep)
        http_timeout = httpx.Timeout(timeout)
        self._public = httpx.AsyncClient(
            base_url=endpoints.public_rest, timeout=http_timeout, transport=transport
        )
        self._private = httpx.AsyncClient(
            base_url=endpoints.private_rest, timeout=http_timeout, transport=transport
        )
        self._rules: dict[str, SymbolRules] = {}

    def __repr__(self) -> str:
        return (
            f"GmoRestClient(public={self.endpoints.public_rest!r}, private={self.endpoints.private_rest!r})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._public.aclose()
        await self._private.aclose()

    # --- plumbing ---------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        # Full jitter: uniform in [0, min(cap, base * 2^attempt)].
        return self._rng.uniform(0.0, min(self._backoff_cap, self._backoff_base * (2**attempt)))

    async def _read(self, path: str, *, private: bool, params: dict[str, Any] | None = None) -> Any:
        attempts = 1 + self._read_retries
        for attempt in range(attempts):
            try:
                return await self._send("GET", path, private=private, params=params, lane=Lane.READ)
            except GmoError as exc:
                retryable = exc.category in (ErrorCategory.NETWORK, ErrorCategory.RATE_LIMIT)
                if not retryable or attempt + 1 >= attempts:
                    raise
                self._observer.on_retry(path)
                delay = self._backoff(attempt)
                log.info("GET %s failed (%s), retry %d in %.2fs", path, exc.category, attempt + 1, delay)
                await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt re-raises")

    async def _send(
        self,
        method: str,
        path: str,
        *,
        private: bool,
        lane: Lane,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        outcome_may_be_unknown: bool = False,
    ) -> Any:
        await self.limiter.acquire(lane)
        try:
            return await self._send_holding_slot(
                method,
                path,
                private=private,
                lane=lane,
                params=params,
                body=body,
                outcome_may_be_unknown=outcome_may_be_unknown,
            )
        finally:
            # Only now is it certain the exchange has counted the request (see SlidingWindow).
            self.limiter.release(lane)

    async def _send_holding_slot(
        self,
        method: str,
        path: str,
        *,
        private: bool,
        lane: Lane,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        outcome_may_be_unknown: bool,
    ) -> Any:
        content = orjson.dumps(body) if body is not None else None
        headers: dict[str, str] = {}
        if content is not None:
            headers["Content-Type"] = "application/json"
        if private:
            if self._credentials is None:
                raise GmoError(
                    f"{method} {path} needs API credentials and this client has none",
                    category=ErrorCategory.AUTH,
                )
            # The signed text is exactly the bytes sent (POST); PUT/DELETE sign no body (see auth.sign).
            text = content.decode() if content is not None else ""
            headers.update(signed_headers(self._credentials, method, path, text, self._timestamp()))
        client = self._private if private else self._public
        sent = SentRequest(method=method, path=path, body=body)
        started = self._clock()
        outcome = "ok"
        try:
            try:
                response = await client.request(method, path, params=params, content=content, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing left this process: definitely not placed, safe to report as a plain network error.
                raise GmoError(
                    f"{method} {path}: cannot connect ({type(exc).__name__})", category=ErrorCategory.NETWORK
                ) from None
            except httpx.TransportError as exc:
                if outcome_may_be_unknown:
                    raise OutcomeUnknown(
                        f"{method} {path}: no answer after sending ({type(exc).__name__}); outcome unknown",
                        sent=sent,
                    ) from None
                raise GmoError(
                    f"{method} {path}: transport error ({type(exc).__name__})", category=ErrorCategory.NETWORK
                ) from None
            return self._parse(response, sent, lane, outcome_may_be_unknown)
        except OutcomeUnknown:
            outcome = "unknown"
            raise
        except GmoError as exc:
            outcome = str(exc.category)
            log.warning("%s %s failed: %s", method, path, exc)
            raise
        finally:
            self._observer.on_request(method, path, self._clock() - started, outcome)

    def _parse(
        self, response: httpx.Response, sent: SentRequest, lane: Lane, outcome_may_be_unknown: bool
    ) -> Any:
        where = f"{sent.method} {sent.path}"
        status = response.status_code
        if status >= 500:
            if outcome_may_be_unknown:
                raise OutcomeUnknown(
                    f"{where}: HTTP {status} after sending; outcome unknown", sent=sent, http_status=status
                )
            raise GmoError(f"{where}: HTTP {status}", category=ErrorCategory.NETWORK, http_status=status)
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict) or "status" not in payload:
            if status >= 400:
                raise GmoError(
                    f"{where}: HTTP {status}", category=category_for_http_status(status), http_status=status
                )
            if outcome_may_be_unknown:
                raise OutcomeUnknown(
                    f"{where}: unreadable answer; outcome unknown", sent=sent, http_status=status
                )
            raise GmoError(
                f"{where}: answer is not a GMO envelope", category=ErrorCategory.UNKNOWN, http_status=status
            )
        if payload["status"] != 0:
            messages = payload.get("messages")
            if not isinstance(messages, list):  # a broken error answer is still an error answer
                messages = []
            codes = tuple(str(m.get("message_code", "")) for m in messages if isinstance(m, dict))
            texts = "; ".join(
                f"{m.get('message_code', '?')} {m.get('message_string', '')}".strip()
                for m in messages
                if isinstance(m, dict)
            )
            category = category_for_codes(codes)
            if category is ErrorCategory.UNKNOWN and status >= 400:
                category = category_for_http_status(status)
            if category is ErrorCategory.RATE_LIMIT:
                self.limiter.back_off(lane, self._rate_limit_pause)
                self._observer.on_rate_limited()
            raise GmoError(
                f"{where} refused (status {payload['status']}): {texts or 'no message'}",
                category=category,
                codes=codes,
                http_status=status,
            )
        return payload.get("data")

    @staticmethod
    def _model(model: type[M], data: Any, where: str) -> M:
        try:
            return model.model_validate(data if data is not None else {})
        except ValidationError as exc:
            raise GmoError(
                f"{where}: unexpected payload ({exc.error_count()} errors: {exc.errors()[0]['loc']})",
                category=ErrorCategory.UNKNOWN,
            ) from None

    @staticmethod
    def _list(adapter: TypeAdapter[list[M]], data: Any, where: str) -> list[M]:
        try:
            return adapter.validate_python(data or [])
        except ValidationError as exc:
            raise GmoError(
                f"{where}: unexpected payload ({exc.error_count()} errors: {exc.errors()[0]['loc']})",
                category=ErrorCategory.UNKNOWN,
            ) from None
