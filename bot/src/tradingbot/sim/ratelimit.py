"""Per-key private REST limits over a sliding window, like GMO's tiers (GET and POST counted apart)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        get_per_second: int,
        post_per_second: int,
        *,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"GET": get_per_second, "POST": post_per_second}
        self.window = window
        self._clock = clock
        self._seen: dict[tuple[str, str], deque[float]] = {}

    @staticmethod
    def kind(method: str) -> str:
        # GMO's tiers name GET and POST; PUT/DELETE (ws-auth) are writes and count with POST.
        return "GET" if method == "GET" else "POST"

    def allow(self, api_key: str, method: str) -> bool:
        """Count the request and say whether it is within the limit; refused requests are not counted."""
        kind = self.kind(method)
        now = self._clock()
        seen = self._seen.setdefault((api_key, kind), deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) >= self.limits[kind]:
            return False
        seen.append(now)
        return True
