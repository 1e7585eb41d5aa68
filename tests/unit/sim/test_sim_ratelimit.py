"""Sliding-window per-key limits with a fake clock."""

from __future__ import annotations

from tradingbot.sim.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_get_and_post_are_counted_apart_per_key() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 2, clock=clock)
    assert [limiter.allow("a", "GET") for _ in range(4)] == [True, True, True, False]
    assert [limiter.allow("a", "POST") for _ in range(3)] == [True, True, False]
    assert limiter.allow("a", "PUT") is False  # PUT/DELETE count with POST
    assert limiter.allow("b", "GET") is True


def test_window_slides() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 2, clock=clock)
    assert limiter.allow("a", "GET")
    clock.now += 0.5
    assert limiter.allow("a", "GET")
    assert not limiter.allow("a", "GET")
    clock.now += 0.5  # the first request is now exactly 1 s old: out of the window
    assert limiter.allow("a", "GET")
    assert not limiter.allow("a", "GET")


def test_refused_requests_do_not_count() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 1, clock=clock)
    assert limiter.allow("a", "GET")
    for _ in range(10):
        clock.now += 0.09
        assert not limiter.allow("a", "GET")
    clock.now += 0.1
    assert limiter.allow("a", "GET")


def test_steady_rate_at_the_limit_is_allowed() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, 20, clock=clock)
    for _ in range(200):
        assert limiter.allow("a", "POST")
        clock.now += 0.0501
