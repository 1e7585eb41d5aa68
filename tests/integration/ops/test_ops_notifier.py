from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest
from ops_fakes import FakeWebhook
from pydantic import SecretStr
from tradingbot.ops.metrics import BotMetrics
from tradingbot.ops.notifier import DiscordNotifier

from tests.support.eventually import eventually


async def test_delivers_in_order(fake_webhook: FakeWebhook) -> None:
    notifier = DiscordNotifier(SecretStr(fake_webhook.url), min_interval=0.0)
    await notifier.start()
    try:
        assert notifier.notify("first")
        assert notifier.notify("second" + "x" * 3000)
        await eventually(lambda: notifier.sent == 2)
    finally:
        await notifier.stop()
    assert [p["content"][:6] for p in fake_webhook.received] == ["first", "second"]
    assert len(fake_webhook.received[1]["content"]) == 2000
    assert fake_webhook.received[0]["allowed_mentions"] == {"parse": []}


async def test_honours_429_retry_after(fake_webhook: FakeWebhook) -> None:
    fake_webhook.script = [(429, {"Retry-After": "0.3"}, {"retry_after": 0.3, "message": "rate limited"})]
    notifier = DiscordNotifier(SecretStr(fake_webhook.url), min_interval=0.0)
    await notifier.start()
    try:
        notifier.notify("hello")
        await eventually(lambda: notifier.sent == 1)
    finally:
        await notifier.stop()
    assert len(fake_webhook.received) == 2
    assert fake_webhook.received_at[1] - fake_webhook.received_at[0] >= 0.28


class _SlowFirstPost(httpx.AsyncBaseTransport):
    """Holds the first post back on the way to the webhook, as a loaded network or host may."""

    def __init__(self, delay: float) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._delay = delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        delay, self._delay = self._delay, 0.0
        if delay:
            await asyncio.sleep(delay)  # injected network delay, not a wait for anything
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_paces_posts(fake_webhook: FakeWebhook) -> None:
    # The first post is delayed on the way by half the interval, so pacing counted from when a post
    # leaves would let the second arrive 0.05 s after the first.
    transport = _SlowFirstPost(delay=0.05)
    notifier = DiscordNotifier(SecretStr(fake_webhook.url), min_interval=0.1, transport=transport)
    await notifier.start()
    try:
        for i in range(3):
            notifier.notify(f"m{i}")
        await eventually(lambda: notifier.sent == 3)
    finally:
        await notifier.stop()
    gaps = [b - a for a, b in zip(fake_webhook.received_at, fake_webhook.received_at[1:], strict=False)]
    # The guarantee is on arrival at the webhook (where Discord counts), whatever the delay on the way:
    # the next post leaves min_interval after the previous answer, which came after that post arrived.
    # The 1 ms allows only for the event loop waking a timer up to its clock resolution early.
    assert len(gaps) == 2
    assert all(gap >= 0.1 - 0.001 for gap in gaps), gaps


async def test_full_queue_drops_without_blocking(fake_webhook: FakeWebhook) -> None:
    fake_webhook.gate = asyncio.Event()  # the webhook hangs: nothing gets delivered
    metrics = BotMetrics()
    notifier = DiscordNotifier(SecretStr(fake_webhook.url), metrics=metrics, queue_size=3, min_interval=0.0)
    await notifier.start()
    try:
        await asyncio.sleep(0)
        # "Without blocking", checked without a wall clock (under load 10 calls took over 50 ms of wall
        # time once): the calls return bools while the webhook hangs, and the event loop ran nothing in
        # between, so no call waited for the loop (a call that waited for the hung webhook never returns).
        loop_ran: list[bool] = []
        asyncio.get_running_loop().call_soon(loop_ran.append, True)
        accepted = [notifier.notify(f"m{i}") for i in range(10)]
        assert loop_ran == []
        assert all(isinstance(a, bool) for a in accepted)
        assert accepted.count(False) >= 6
        assert notifier.dropped == accepted.count(False)
        assert f"tradingbot_notifier_dropped_total {float(notifier.dropped)}" in metrics.render().decode()
    finally:
        await notifier.stop(drain_timeout=0.1)
    # Everything still queued or in flight at stop is dropped, and counted.
    assert notifier.dropped == 10
    assert f"tradingbot_notifier_dropped_total {float(notifier.dropped)}" in metrics.render().decode()


async def test_server_error_is_retried_then_given_up(fake_webhook: FakeWebhook) -> None:
    fake_webhook.script = [(500, {}, None), (502, {}, None), (503, {}, None)]
    notifier = DiscordNotifier(SecretStr(fake_webhook.url), min_interval=0.01, max_attempts=3)
    await notifier.start()
    try:
        notifier.notify("x")
        await eventually(lambda: notifier.failed == 1)
    finally:
        await notifier.stop()
    assert len(fake_webhook.received) == 3
    assert notifier.sent == 0


async def test_connection_errors_never_log_the_url(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}/api/webhooks/1/planted-unreachable-token-0042"
    caplog.set_level(logging.DEBUG)
    notifier = DiscordNotifier(SecretStr(url), min_interval=0.01, max_attempts=2)
    await notifier.start()
    try:
        notifier.notify("x")
        await eventually(lambda: notifier.failed == 1)
    finally:
        await notifier.stop()
    text = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert "webhook post failed" in text
    assert "planted-unreachable-token-0042" not in text


async def test_disabled_without_url() -> None:
    notifier = DiscordNotifier(None)
    await notifier.start()
    assert not notifier.enabled
    assert not notifier.notify("x")
    await notifier.stop()
