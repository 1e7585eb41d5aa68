"""The one poll-with-deadline helper: waits end on a condition or a deadline, never on a fixed sleep.

``check`` is called until it returns a truthy value, which is returned. Exceptions listed in ``ignore``
count as "not yet" (a server that is still starting refuses connections). On the deadline an
AssertionError names what was awaited and the last value or error seen.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any


class _Attempts:
    def __init__(self, timeout: float, what: str, ignore: tuple[type[BaseException], ...]) -> None:
        self.timeout, self.what, self.ignore = timeout, what, ignore
        self.deadline = time.monotonic() + timeout
        self.last: Any = None

    def overdue(self) -> AssertionError | None:
        if time.monotonic() < self.deadline:
            return None
        return AssertionError(f"timed out after {self.timeout}s waiting for {self.what}; last={self.last!r}")


async def eventually(
    check: Callable[[], Any],
    timeout: float = 5.0,
    what: str = "condition",
    *,
    interval: float = 0.02,
    ignore: tuple[type[BaseException], ...] = (),
) -> Any:
    """Async: ``check`` may return a value or an awaitable."""
    attempts = _Attempts(timeout, what, ignore)
    while True:
        try:
            value = check()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            attempts.last = value
        except ignore as exc:
            attempts.last = exc
        if (error := attempts.overdue()) is not None:
            raise error
        await asyncio.sleep(interval)


def eventually_sync(
    check: Callable[[], Any],
    timeout: float = 5.0,
    what: str = "condition",
    *,
    interval: float = 0.02,
    ignore: tuple[type[BaseException], ...] = (),
) -> Any:
    """Blocking, for code that is not in an event loop (subprocess tests, the benchmarks)."""
    attempts = _Attempts(timeout, what, ignore)
    while True:
        try:
            value = check()
            if value:
                return value
            attempts.last = value
        except ignore as exc:
            attempts.last = exc
        if (error := attempts.overdue()) is not None:
            raise error
        time.sleep(interval)
