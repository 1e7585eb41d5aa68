from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tradingbot.venues.gmo.ratelimit import Lane, RateLimiter, RateLimits, SlidingWindow, SubscribePacer


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
    for _ in range(20):
        assert window.take(0.0) == 0.0
        window.settle(0.0)
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
            window.settle(now)
            sent.append(now)
        else:
            now += wait
    for i, t in enumerate(sent):
        in_window = [s for s in sent[i:] if s < t + 1.0]
        assert len(in_window) <= 20


def test_a_slot_in_flight_is_held_until_its_answer() -> None:
    window = SlidingWindow(limit=2)
    assert window.take(0.0) == 0.0
    assert window.take(0.0) == 0.0
    # Both requests are still on the way: however long ago they left, nothing frees up.
    assert window.take(5.0) > 0
    window.settle(5.0)
    assert window.take(5.0) > 0  # answered now: counted by the exchange at most now, so a window more
    assert window.take(5.0 + window.window) == 0.0


def test_settle_without_a_slot_is_a_bug() -> None:
    with pytest.raises(RuntimeError, match="settle"):
        SlidingWindow(limit=1).settle(0.0)


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=30),
    delays=st.lists(
        st.tuples(st.floats(0.0, 0.8), st.floats(0.0, 0.8), st.floats(0.0, 0.05)), min_size=1, max_size=150
    ),
    concurrency=st.integers(min_value=1, max_value=40),
)
def test_the_exchange_never_counts_more_than_the_limit_whatever_the_delays(
    limit: int, delays: list[tuple[float, float, float]], concurrency: int
) -> None:
    """The exchange's view, simulated: each request arrives some time after it was sent (network delay,
    jitter, a stalled connection) and its answer comes back later still. Counted at arrival, no window of
    one second may hold more than `limit` requests, whatever the delays. Holding slots by send time alone
    (the old limiter, margin included) fails this with one slow request followed by a fast one."""
    window = SlidingWindow(limit=limit)
    now = 0.0
    arrivals: list[float] = []
    in_flight: list[float] = []  # answer times of requests on the way
    pending = list(delays)
    while pending or in_flight:
        # Answers that are due come back first.
        for answer in sorted(a for a in in_flight if a <= now):
            window.settle(answer)
            in_flight.remove(answer)
        if pending and len(in_flight) < concurrency:
            wait = window.take(now)
            if wait == 0.0:
                to_exchange, back, _ = pending.pop(0)
                arrivals.append(now + to_exchange)
                in_flight.append(now + to_exchange + back)
                continue
            step = wait
        else:
            step = float("inf")
        if in_flight:
            step = min(step, min(in_flight) - now)
        now += max(step, 1e-6) if step != float("inf") else 0.0
    arrivals.sort()
    for i, t in enumerate(arrivals):
        assert sum(1 for a in arrivals[i:] if a < t + 1.0) <= limit


def test_bad_limits_named() -> None:
    with pytest.raises(ValueError, match="get=0"):
        RateLimits(get_per_second=0)


async def test_get_and_post_budgets_are_separate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(get_per_second=5, post_per_second=5), clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await limiter.acquire(Lane.READ)
        limiter.release(Lane.READ)
    assert clock.slept == []
    await limiter.acquire(Lane.CANCEL)
    assert clock.slept == []  # GETs did not spend the POST budget


async def test_sustained_rate_is_respected() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(get_per_second=20), clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(20 + 40):
        await limiter.acquire(Lane.READ)
        limiter.release(Lane.READ)  # answered at once
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
        limiter.release(Lane.CANCEL)
    order: list[str] = []

    async def go(lane: Lane, name: str) -> None:
        await limiter.acquire(lane)
        limiter.release(lane)
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


async def test_subscribe_pacer_spaces_every_stream_of_the_process() -> None:
    clock = FakeClock()
    pacer = SubscribePacer(clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    async def stream(messages: int) -> None:
        for _ in range(messages):
            await pacer.wait_turn(1.25)
            sent.append(clock.now)
            pacer.sent()

    # Two streams resubscribing at once (a reconnect storm) share the one per-IP budget.
    await asyncio.gather(stream(2), stream(4))
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(sent) == 6
    assert min(gaps) >= 1.25 - 1e-9


async def test_subscribe_pacer_counts_from_the_real_send_not_the_booking() -> None:
    clock = FakeClock()
    pacer = SubscribePacer(clock=clock, sleep=clock.sleep)
    await pacer.wait_turn(1.0)
    clock.now += 0.4  # the event loop was busy: the first message left 0.4 s after its turn
    pacer.sent()
    first = clock.now
    await pacer.wait_turn(1.0)
    assert clock.now - first >= 1.0 - 1e-9
