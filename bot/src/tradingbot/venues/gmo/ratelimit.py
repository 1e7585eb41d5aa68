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
    """At most `limit` requests in any `window` seconds as the exchange counts them; `take` never sleeps.

    GMO (and the simulator) count requests in a sliding one-second window *on their side*, at the moment
    each request arrives. A token bucket of the same rate would allow a full burst plus a second's refill
    inside one window (up to twice the limit), so an exact sliding-window log is used. The log cannot hold
    send times, though: a request sent at t may arrive at t + 300 ms while the next one, sent a window
    later, arrives at once, and the exchange then sees both inside one window (a margin only shrinks that
    race, as a loaded host showed). What is known for sure is that a request arrived somewhere between its
    send and its answer. So a slot is held from `take` until `settle` (the answer, or the failure, came
    back) and then for one more window: any request sent after that arrives at least a window after the
    settled one did, whatever the delays on the way. The small margin covers the exchange's clock running
    a little faster than ours.
    """

    MARGIN = 0.05

    def __init__(self, limit: int, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window + self.MARGIN
        self._settled: collections.deque[float] = collections.deque()  # answer times, oldest first
        self._in_flight = 0
        self._blocked_until = float("-inf")

    @property
    def rate(self) -> float:
        return self.limit / self.window

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        settled = self._settled
        while settled and settled[0] <= horizon:
            settled.popleft()

    def available(self, now: float) -> int:
        self._prune(now)
        return self.limit - len(self._settled) - self._in_flight

    def take(self, now: float, reserve: int = 0) -> float:
        """Hold one slot if `reserve` slots stay free after it; else return the seconds to wait (> 0).

        Every slot taken must be given back with :meth:`settle` once the request's answer (or failure) is in.
        """
        if now < self._blocked_until:
            return self._blocked_until - now
        self._prune(now)
        allowed = self.limit - reserve
        used = len(self._settled) + self._in_flight
        if used < allowed:
            self._in_flight += 1
            return 0.0
        # The slot that must free up before this request fits, oldest first; in-flight slots come last
        # (they free up a window after an answer that has not come yet).
        index = used - allowed
        if index < len(self._settled):
            return max(self._settled[index] + self.window - now, 1e-3)
        return max(self.window / self.limit, 1e-3)  # wait for an answer, then look again

    def settle(self, now: float) -> None:
        """A request that held a slot got its answer (or failed) at `now`: the slot frees a window later."""
        if self._in_flight <= 0:
            raise RuntimeError("settle() without a slot in flight")
        self._in_flight -= 1
        self._settled.append(now)

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
        """Wait for a slot of the lane's budget; returns the seconds waited (on the injected clock).

        The caller must call :meth:`release` with the same lane once the request's answer (or failure) is in.
        """
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

    def release(self, lane: Lane) -> None:
        """The request that acquired a slot of `lane` is answered (or failed): start its window now."""
        self._bucket(lane).settle(self._clock())

    def back_off(self, lane: Lane, seconds: float) -> None:
        """The exchange said ERR-5003: stop using that budget for `seconds`."""
        self._bucket(lane).block(self._clock(), seconds)


class SubscribePacer:
    """Spaces WebSocket subscribe/unsubscribe messages: GMO allows 1 a second per IP, counted on its side.

    One pacer serves every stream of the process (the public and the private stream share the IP). A
    caller claims its turn in the same step as it finds the gap free (no await in between), so concurrent
    streams never go together and no lock is needed on the single event loop; nothing is booked ahead, so
    a cancelled stream leaves no debt behind. The turn counts again from the real send (:meth:`sent`), since
    a busy event loop can send one message late and the next on time. The streams' interval is above one
    second on purpose: two messages sent a second apart can arrive closer together than they left.
    """

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._last_sent = float("-inf")

    async def wait_turn(self, interval: float) -> None:
        """Wait until a message may go; call :meth:`sent` right after sending it."""
        while (gap := self._last_sent + interval - self._clock()) > 0:
            await self._sleep(gap)
        self._last_sent = self._clock()

    def sent(self) -> None:
        self._last_sent = max(self._last_sent, self._clock())


PROCESS_SUBSCRIBE_PACER = SubscribePacer()
