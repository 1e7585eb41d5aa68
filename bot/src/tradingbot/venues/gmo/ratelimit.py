"""Client-side request budgets (GMO Tier 1: 20 GET and 20 POST a second), with a priority lane for cancels.

A new order never takes the last tokens of the POST budget and never goes while a cancel is waiting, so a
cancel waits at most for one token to refill, never behind queued new orders. The clock and the sleep are
injectable so tests run on a fake clock without sleeping.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RateLimits:
    get_per_second: int = 20
    post_per_second: int = 20

    def __post_init__(self) -> None:
        if self.get_per_second < 1 or self.post_per_second < 1:
            raise ValueError(
                "rate limits must be >= 1 request/s, "
                f"got get={self.get_per_second} post={self.post_per_second}"
            )


class Lane(StrEnum):
    READ = "read"  # GET
    WRITE = "write"  # POST/PUT/DELETE that is not a cancel
    CANCEL = "cancel"  # cancelOrder / cancelBulkOrder: may use the reserved tokens, goes first


class SlidingWindow:
    """At most `limit` requests in any `window` seconds, on a caller-supplied clock; `take` never sleeps.

    GMO (and the simulator) count requests in a sliding one-second window. A token bucket of the same rate
    would allow a full burst plus a second's refill inside one window (up to twice the limit), so the exact
    sliding-window log is used instead; a small margin absorbs clock skew between us and the exchange.
    """

    # Seconds added to the window. It must cover the spread of delivery delays, not just clock skew: a
    # token taken at t may arrive at t + 50 ms and the next at once, so the exchange sees both inside
    # its window. 20 ms let the simulator's limiter refuse the bot on a loaded 2-core host (reliability
    # suite, exchange faults); 100 ms costs under 10% of the budget.
    MARGIN = 0.1

    def __init__(self, limit: int, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window + self.MARGIN
        self._sent: collections.deque[float] = collections.deque()
        self._blocked_until = float("-inf")

    @property
    def rate(self) -> float:
        return self.limit / self.window

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        sent = self._sent
        while sent and sent[0] <= horizon:
            sent.popleft()

    def available(self, now: float) -> int:
        self._prune(now)
        return self.limit - len(self._sent)

    def take(self, now: float, reserve: int = 0) -> float:
        """Record one request if `reserve` slots stay free after it; else return the seconds to wait (> 0)."""
        if now < self._blocked_until:
            return self._blocked_until - now
        self._prune(now)
        allowed = self.limit - reserve
        if len(self._sent) < allowed:
            self._sent.append(now)
            return 0.0
        # The request that must leave the window before this one fits.
        must_expire = self._sent[len(self._sent) - allowed]
        return max(must_expire + self.window - now, 1e-3)

    def block(self, now: float, seconds: float) -> None:
        """Send nothing until now + seconds (after an ERR-5003)."""
        self._blocked_until = max(self._blocked_until, now + seconds)


class RateLimiter:
    """The GET budget and the POST budget of one account."""

    # Tokens of the POST budget only cancels may use.
    CANCEL_RESERVE = 2

    def __init__(
        self, limits: RateLimits, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._get = SlidingWindow(limits.get_per_second)
        self._post = SlidingWindow(limits.post_per_second)
        self._cancels_waiting = 0

    def _bucket(self, lane: Lane) -> SlidingWindow:
        return self._get if lane is Lane.READ else self._post

    def try_acquire(self, lane: Lane) -> float:
        """0.0 when a token was taken now, else how long to wait before trying again."""
        now = self._clock()
        if lane is Lane.CANCEL:
            return self._post.take(now)
        if lane is Lane.WRITE:
            if self._cancels_waiting:
                # Let the waiting cancel have the next token; look again shortly.
                return max(1.0 / self._post.rate, 1e-3)
            reserve = min(self.CANCEL_RESERVE, self._post.limit - 1)
            return self._post.take(now, reserve=reserve)
        return self._get.take(now)

    async def acquire(self, lane: Lane) -> float:
        """Wait for a token of the lane's budget; returns the seconds waited (on the injected clock)."""
        start = self._clock()
        is_cancel = lane is Lane.CANCEL
        if is_cancel:
            self._cancels_waiting += 1
        try:
            while (delay := self.try_acquire(lane)) > 0:
                await self._sleep(delay)
        finally:
            if is_cancel:
                self._cancels_waiting -= 1
        return self._clock() - start

    def back_off(self, lane: Lane, seconds: float) -> None:
        """The exchange said ERR-5003: stop using that budget for `seconds`."""
        self._bucket(lane).block(self._clock(), seconds)
