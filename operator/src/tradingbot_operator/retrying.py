"""When the API client tries a request again, and how long it waits first (pure).

The API server answers 429 when API Priority and Fairness sheds load and 5xx when it (or etcd) is in
trouble, with a Retry-After header saying when to come back. Retrying at once makes the overload worse;
never retrying turns a blip into a failed reconcile. So: honour Retry-After (capped), otherwise back off
exponentially with jitter, and give up after a bounded number of attempts.
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import random
from collections.abc import Callable

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    base_seconds: float = 0.2
    cap_seconds: float = 5.0
    # A Retry-After longer than this is cut short: a reconcile pass must not hang for minutes.
    retry_after_cap_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be >= 1, got {self.attempts}")
        if self.base_seconds < 0 or self.cap_seconds < 0 or self.retry_after_cap_seconds < 0:
            raise ValueError("RetryPolicy delays must be >= 0")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - now)


def retry_delay(
    policy: RetryPolicy,
    attempt: int,
    status: int,
    retry_after: str | None,
    *,
    now: float,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before try `attempt + 1` after try `attempt` (1-based) got `status`; None: give up."""
    if status not in RETRYABLE_STATUSES or attempt >= policy.attempts:
        return None
    told = parse_retry_after(retry_after, now)
    if told is not None:
        return min(told, policy.retry_after_cap_seconds)
    backoff = min(policy.cap_seconds, policy.base_seconds * 2 ** (attempt - 1))
    # Half jitter: spread many clients that failed together, but never retry at once.
    return float(backoff / 2 + rand() * backoff / 2)
