from __future__ import annotations

import asyncio

import pytest
from tradingbot.venues.gmo.ratelimit import Lane, RateLimiter, RateLimits, SlidingWindow


class FakeClock:
    """Time moves only when someone sleeps: no real waiting in these tests."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def test_window_allows_burst_then_waits_for_the_oldest_to_leave() -> None:
    window = SlidingWindow(limit=20)
    assert [window.take(0.0) for _ in range(20)] == [0.0] * 20
    wait = window.take(0.5)
    assert wait == pytest.approx(window.window - 0.5)
    assert window.take(0.5 + wait) == 0.0


def test_no_one_second_window_ever_holds_more_than_the_limit() -> None:
    # A token bucket of the same rate lets 2x the limit through one window; the exchange counts a window.
    window = SlidingWindow(limit=20)
    now, sent = 0.0, []
    while len(sent) < 200:
        wait = window.take(now)
        if wait == 0.0:
            sent.append(now)
        else:
            now += wait
    for i, t in enumerate(sent):
        in_window = [s for s in sent[i:] if s < t + 1.0]
        assert len(in_window) <= 20


def test_bad_limits_named() -> None:
    with pytest.raises(ValueError, match="get=0"):
        RateLimits(get_per_second=0)


async def test_get_and_post_budgets_are_separate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(get_per_second=5, post_per_second=5), clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await limiter.acquire(Lane.READ)
    assert clock.slept == []
    await limiter.acquire(Lane.CANCEL)
    assert clock.slept == []  # GETs did not spend the POST budget


async def test_sustained_rate_is_respected() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(get_per_second=20), clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(20 + 40):
        await limiter.acquire(Lane.READ)
    # 20 burst + 40 more at 20/s needs ~2 s of (fake) time, plus the safety margin of each window.
    assert clock.now - start == pytest.approx(2.0 + 2 * SlidingWindow.MARGIN, abs=0.06)


async def test_new_orders_leave_tokens_for_cancels() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(post_per_second=10), clock=clock, sleep=clock.sleep)
    for _ in range(8):
        assert limiter.try_acquire(Lane.WRITE) == 0.0
    assert limiter.try_acquire(Lane.WRITE) > 0  # the last two tokens are the cancels'
    assert limiter.try_acquire(Lane.CANCEL) == 0.0
    assert limiter.try_acquire(Lane.CANCEL) == 0.0


@pytest.mark.looptime
async def test_waiting_cancel_goes_before_waiting_orders() -> None:
    # looptime: the event loop's clock is fake, so concurrent sleepers share one consistent timeline.
    loop = asyncio.get_running_loop()
    limiter = RateLimiter(RateLimits(post_per_second=5), clock=loop.time)
    while limiter.try_acquire(Lane.CANCEL) == 0.0:
        pass
    order: list[str] = []

    async def go(lane: Lane, name: str) -> None:
        await limiter.acquire(lane)
        order.append(name)

    tasks = [asyncio.create_task(go(Lane.WRITE, f"order{i}")) for i in range(3)]
    await asyncio.sleep(0.01)
    tasks.append(asyncio.create_task(go(Lane.CANCEL, "cancel")))
    await asyncio.gather(*tasks)
    assert order[0] == "cancel"
    assert sorted(order[1:]) == ["order0", "order1", "order2"]


async def test_back_off_blocks_the_budget() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(), clock=clock, sleep=clock.sleep)
    limiter.back_off(Lane.READ, 1.0)
    waited = await limiter.acquire(Lane.READ)
    assert waited >= 1.0
    assert limiter.try_acquire(Lane.CANCEL) == 0.0  # POST budget untouched
