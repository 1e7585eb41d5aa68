"""Retry policy and token source of the operator's API client (pure parts, fake clocks)."""

from __future__ import annotations

import asyncio
import email.utils
from pathlib import Path

import pytest
from tradingbot_operator.credentials import Token, TokenSource, file_loader
from tradingbot_operator.retrying import RetryPolicy, parse_retry_after, retry_delay

POLICY = RetryPolicy(attempts=4, base_seconds=0.5, cap_seconds=2.0, retry_after_cap_seconds=10.0)


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3", now=0.0) == 3.0
    when = email.utils.formatdate(1_000_010.0, usegmt=True)
    assert parse_retry_after(when, now=1_000_000.0) == pytest.approx(10.0)
    assert parse_retry_after("soon", now=0.0) is None
    assert parse_retry_after(None, now=0.0) is None


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_answers_honour_retry_after_capped(status: int) -> None:
    assert retry_delay(POLICY, 1, status, "4", now=0.0) == 4.0
    assert retry_delay(POLICY, 1, status, "600", now=0.0) == 10.0, "a huge Retry-After is capped"


@pytest.mark.parametrize("status", [400, 403, 404, 409, 410, 422])
def test_other_answers_are_not_retried(status: int) -> None:
    assert retry_delay(POLICY, 1, status, "1", now=0.0) is None


def test_backoff_grows_with_jitter_and_stops_after_the_attempts() -> None:
    low = [retry_delay(POLICY, a, 503, None, now=0.0, rand=lambda: 0.0) for a in (1, 2, 3)]
    high = [retry_delay(POLICY, a, 503, None, now=0.0, rand=lambda: 1.0) for a in (1, 2, 3)]
    assert low == [0.25, 0.5, 1.0]
    assert high == [0.5, 1.0, 2.0]
    assert retry_delay(POLICY, 4, 503, None, now=0.0) is None
    assert retry_delay(POLICY, 4, 429, "1", now=0.0) is None


def test_bad_policy_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="attempts must be >= 1, got 0"):
        RetryPolicy(attempts=0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_is_read_again_after_max_age_and_before_expiry(tmp_path: Path) -> None:
    clock = Clock()
    issued = {"value": "t1", "expires": 1100.0}
    source = TokenSource(
        lambda: Token(issued["value"], issued["expires"]),  # type: ignore[arg-type]
        max_age=100,
        margin=30,
        clock=clock,
    )

    async def scenario() -> list[str | None]:
        seen = [await source.token()]
        issued.update(value="t2", expires=10_000.0)
        clock.now = 1075.0  # younger than max age, but within the margin of the expiry (1100 - 30)
        seen.append(await source.token())
        issued.update(value="t3")
        clock.now = 1150.0  # t2 is fresh: loaded at 1075, expires at 10000
        seen.append(await source.token())
        clock.now = 1176.0  # max age since 1075
        seen.append(await source.token())
        return seen

    assert asyncio.run(scenario()) == ["t1", "t2", "t2", "t3"]


def test_refresh_after_401_is_done_once_for_many_waiters(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("old\n")
    source = TokenSource(file_loader(path), max_age=3600)

    async def scenario() -> list[str | None]:
        await source.token()
        path.write_text("new\n")
        return list(await asyncio.gather(*(source.refresh(stale="old") for _ in range(5))))

    assert asyncio.run(scenario()) == ["new"] * 5
    assert source.loads == 2


def test_token_repr_hides_the_value() -> None:
    assert "s3cret" not in repr(Token("s3cret", 5.0))


def test_kopf_login_reads_the_token_now_and_expires_before_it() -> None:
    from tradingbot_operator.handlers import connection_info
    from tradingbot_operator.kube import Connection

    issued = {"value": "t1"}
    source = TokenSource(lambda: Token(issued["value"], 1_000_000.0))
    first = connection_info(Connection("https://api.invalid", tokens=source))
    issued["value"] = "t2"
    second = connection_info(Connection("https://api.invalid", tokens=source))
    assert (first.token, second.token) == ("t1", "t2"), "each login reads the source anew"
    assert first.expiration is not None
    assert first.expiration.timestamp() == 1_000_000.0 - 30.0
    assert connection_info(Connection("https://api.invalid")).token is None
