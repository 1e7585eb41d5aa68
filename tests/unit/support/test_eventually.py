from __future__ import annotations

import time

import pytest

from tests.support.eventually import eventually, eventually_sync


def test_returns_the_first_truthy_value() -> None:
    calls = iter([0, None, "", 7])
    assert eventually_sync(lambda: next(calls), timeout=5, interval=0) == 7


def test_fails_at_the_deadline_naming_what_and_the_last_value() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"waiting for the flag; last=0"):
        eventually_sync(lambda: 0, timeout=0.2, what="the flag", interval=0.01)
    assert 0.2 <= time.monotonic() - started < 5


def test_ignored_errors_count_as_not_yet() -> None:
    state = {"n": 0}

    def flaky() -> bool:
        state["n"] += 1
        if state["n"] < 3:
            raise ConnectionError("starting")
        return True

    assert eventually_sync(flaky, timeout=5, interval=0, ignore=(ConnectionError,))
    with pytest.raises(ConnectionError):
        eventually_sync(lambda: flaky() and (_ for _ in ()).throw(ConnectionError()), timeout=1)


async def test_async_awaits_awaitables() -> None:
    state = {"n": 0}

    async def check() -> int:
        state["n"] += 1
        return state["n"] if state["n"] >= 3 else 0

    assert await eventually(check, timeout=5, interval=0) == 3
    with pytest.raises(AssertionError, match=r"timed out after 0\.1s waiting for never"):
        await eventually(lambda: False, timeout=0.1, what="never")
