"""Client-side request budgets (GMO Tier 1: 20 GET and 20 POST a second), with a priority lane for cancels.

A new order never takes the last tokens of the POST budget and never goes while a cancel is waiting, so a
cancel waits at most for one token to refill, never behind queued new orders. The clock and the sleep are
injectable so tests run on a fake clock without sleeping.
"""

from __future__ import annotations

import asyncio
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


class TokenBucket:
    """A token bucket on a caller-supplied clock; `take` is pure bookkeeping and never sleeps."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._updated = now
        self._blocked_until = now

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def tokens(self, now: float) -> float:
        self._refill(now)
        return self._tokens

    def take(self, now: float, reserve: float = 0.0) -> float:
        """Take one token if more than `reserve` remain after it; else return the seconds to wait (> 0)."""
        if now < self._blocked_until:
            return self._blocked_until - now
        self._refill(now)
        needed = 1.0 + reserve
        if self._tokens >= needed:
            self._tokens -= 1.0
            return 0.0
        return max((needed - self._tokens) / self.rate, 1e-3)

    def block(self, now: float, seconds: float) -> None:
        """Spend nothing until now + seconds and restart from an empty bucket (after an ERR-5003)."""
        self._blocked_until = max(self._blocked_until, now + seconds)
        self._tokens = 0.0
        self._updated = max(self._updated, self._blocked_until)


class RateLimiter:
    """The GET budget and the POST budget of one account."""

    # Tokens of the POST budget only cancels may use.
    CANCEL_RESERVE = 2.0

    def __init__(
        self, limits: RateLimits, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        now = clock()
        self._get = TokenBucket(limits.get_per_second, limits.get_per_second, now)
        self._post = TokenBucket(limits.post_per_second, limits.post_per_second, now)
        self._cancels_waiting = 0

    def _bucket(self, lane: Lane) -> TokenBucket:
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
            reserve = min(self.CANCEL_RESERVE, self._post.capacity - 1)
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
