"""Discord webhook notifier: never blocks and never raises into the trading loop.

``notify()`` only puts the message on a bounded queue (a full queue drops the message and counts it);
a background task delivers, paced to ``min_interval`` between posts and honouring HTTP 429
``Retry-After``. The webhook URL is a secret: it is never logged, and httpx exception texts (which
contain the request URL) are sanitised before they are logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from tradingbot.ops.metrics import BotMetrics

log = logging.getLogger(__name__)
DISCORD_CONTENT_LIMIT = 2000


class DiscordNotifier:
    def __init__(
        self,
        webhook_url: SecretStr | None,
        *,
        metrics: BotMetrics | None = None,
        queue_size: int = 100,
        min_interval: float = 1.0,
        timeout: float = 5.0,
        max_attempts: int = 3,
        max_retry_after: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"notifier queue_size={queue_size}; accepted: >= 1")
        self._url = webhook_url
        self._metrics = metrics
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self._min_interval = min_interval
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._max_retry_after = max_retry_after
        self._transport = transport
        self._clock = clock
        self._next_send_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._closing = False
        self.sent = 0
        self.dropped = 0
        self.failed = 0

    @property
    def enabled(self) -> bool:
        return self._url is not None

    def notify(self, content: str) -> bool:
        """Queue ``content``; False when disabled, stopping, or the queue is full (counted as dropped)."""
        if self._url is None or self._closing:
            return False
        try:
            self._queue.put_nowait(content[:DISCORD_CONTENT_LIMIT])
        except asyncio.QueueFull:
            self._drop("queue full")
            return False
        return True

    async def start(self) -> None:
        if self._url is None or self._task is not None:
            return
        self._client = httpx.AsyncClient(timeout=self._timeout, transport=self._transport, trust_env=False)
        self._task = asyncio.create_task(self._run(), name="discord-notifier")

    async def stop(self, drain_timeout: float = 2.0) -> None:
        """Stop accepting, deliver what is queued within ``drain_timeout`` seconds, then drop the rest."""
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout=drain_timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
            self._drop("stopped before delivery")
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _drop(self, why: str) -> None:
        self.dropped += 1
        if self._metrics is not None:
            self._metrics.notification_dropped()
        log.warning("notification dropped", extra={"reason": why})

    def _sanitise(self, text: str) -> str:
        if self._url is not None:
            url = self._url.get_secret_value()
            text = text.replace(url, "<webhook>")
            token = url.rstrip("/").rsplit("/", 1)[-1]
            if len(token) >= 8:
                text = text.replace(token, "***")
        return text

    async def _run(self) -> None:
        while True:
            content = await self._queue.get()
            try:
                await self._deliver(content)
            except asyncio.CancelledError:
                self._drop("stopped during delivery")
                raise
            except Exception as exc:  # the notifier task must survive anything
                self.failed += 1
                self._drop(f"unexpected {type(exc).__name__}")
            finally:
                self._queue.task_done()

    async def _pace(self) -> None:
        delay = self._next_send_at - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _deliver(self, content: str) -> None:
        assert self._client is not None
        assert self._url is not None
        for attempt in range(1, self._max_attempts + 1):
            await self._pace()
            try:
                response = await self._client.post(
                    self._url.get_secret_value(),
                    json={"content": content, "allowed_mentions": {"parse": []}},
                )
            except httpx.HTTPError as exc:
                log.warning(
                    "webhook post failed",
                    extra={
                        "error": type(exc).__name__,
                        "detail": self._sanitise(str(exc)),
                        "attempt": attempt,
                    },
                )
                self._next_send_at = self._clock() + self._min_interval * 2**attempt
                continue
            # Paced from the answer, not from the send: Discord counts posts as they arrive, and a post
            # slowed on the way would otherwise arrive closer than min_interval to the next one. The
            # answer comes after the post arrived, so posts arrive at least min_interval apart.
            self._next_send_at = self._clock() + self._min_interval
            if response.is_success:
                self.sent += 1
                if self._metrics is not None:
                    self._metrics.notification_sent()
                return
            if response.status_code == 429:
                wait = min(_retry_after(response), self._max_retry_after)
                log.warning("webhook rate limited", extra={"retry_after": wait, "attempt": attempt})
                self._next_send_at = self._clock() + wait
                continue
            if response.status_code >= 500:
                log.warning(
                    "webhook server error", extra={"http_status": response.status_code, "attempt": attempt}
                )
                self._next_send_at = self._clock() + self._min_interval * 2**attempt
                continue
            log.warning("webhook refused the message", extra={"http_status": response.status_code})
            break
        self.failed += 1
        self._drop("undeliverable")


def _retry_after(response: httpx.Response) -> float:
    """Seconds to wait: the Retry-After header, else Discord's JSON ``retry_after``, else 1 s."""
    header = response.headers.get("Retry-After")
    candidates: list[object] = [header]
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict):
            candidates.append(body.get("retry_after"))
    for candidate in candidates:
        try:
            value = float(str(candidate))
        except ValueError:
            continue
        if value >= 0:
            return value
    return 1.0
