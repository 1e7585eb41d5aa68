"""The operator's API client against a real local HTTP server that misbehaves as an API server can:
429 with Retry-After, 5xx, paginated lists, a hung answer, a rotated token.

Real: KubeApi, TokenSource, aiohttp, HTTP on 127.0.0.1. Scripted: the server's answers (below).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp.web
import pytest
from tradingbot_operator.credentials import Token, TokenSource
from tradingbot_operator.kube import Connection, KubeApi, KubeError
from tradingbot_operator.retrying import RetryPolicy

Handler = Callable[[aiohttp.web.Request], Any]


class Server:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], str]] = []  # method, path, query, auth
        self.handler: Handler = lambda _: aiohttp.web.json_response({})
        self.runner: aiohttp.web.AppRunner | None = None
        self.url = ""

    async def _dispatch(self, request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        self.requests.append(
            (request.method, request.path, dict(request.query), request.headers.get("Authorization", ""))
        )
        result = self.handler(request)
        if asyncio.iscoroutine(result):
            result = await result
        assert isinstance(result, aiohttp.web.StreamResponse)
        return result

    async def start(self) -> None:
        app = aiohttp.web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.runner = aiohttp.web.AppRunner(app)
        await self.runner.setup()
        site = aiohttp.web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    await srv.start()
    yield srv
    assert srv.runner is not None
    await srv.runner.cleanup()


def status_answer(code: int, **headers: str) -> aiohttp.web.Response:
    body = json.dumps({"kind": "Status", "message": f"answer {code}"})
    return aiohttp.web.Response(status=code, text=body, content_type="application/json", headers=headers)


FAST = RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05, retry_after_cap_seconds=2.0)


async def test_429_waits_for_retry_after_then_succeeds(server: Server) -> None:
    answers = [status_answer(429, **{"Retry-After": "1"}), aiohttp.web.json_response({"metadata": {}})]
    server.handler = lambda _: answers.pop(0)
    api = KubeApi(Connection(server.url), retry=FAST)
    started = time.monotonic()
    try:
        assert await api.get("ConfigMap", "ns", "cm") == {"metadata": {}}
    finally:
        await api.aclose()
    waited = time.monotonic() - started
    assert len(server.requests) == 2
    assert waited >= 0.95, f"Retry-After: 1 was not honoured (second try after {waited:.3f}s)"
    assert api.retries == 1


async def test_5xx_is_retried_with_backoff_and_bounded(server: Server) -> None:
    server.handler = lambda _: status_answer(503)
    api = KubeApi(Connection(server.url), retry=FAST)
    try:
        with pytest.raises(KubeError) as info:
            await api.patch("ConfigMap", "ns", "cm", {"data": {"a": "b"}})
    finally:
        await api.aclose()
    assert info.value.status == 503
    assert len(server.requests) == FAST.attempts, "bounded: exactly `attempts` tries"


async def test_4xx_other_than_401_and_429_is_not_retried(server: Server) -> None:
    server.handler = lambda _: status_answer(422)
    api = KubeApi(Connection(server.url), retry=FAST)
    try:
        with pytest.raises(KubeError):
            await api.patch("ConfigMap", "ns", "cm", {"data": {}})
    finally:
        await api.aclose()
    assert len(server.requests) == 1


async def test_retried_create_that_finds_its_first_try_succeeds(server: Server) -> None:
    """A create answered 503 may have been applied; the retry's 409 AlreadyExists means it was."""
    answers = [status_answer(503), status_answer(409)]
    server.handler = lambda _: answers.pop(0)
    api = KubeApi(Connection(server.url), retry=FAST)
    try:
        obj = {"kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ns"}}
        assert await api.create(obj) is None
        server.handler = lambda _: status_answer(409)
        with pytest.raises(KubeError):  # a first-try 409 is a real conflict
            await api.create(obj)
    finally:
        await api.aclose()


async def test_list_follows_continue_tokens(server: Server) -> None:
    pages = {
        "": {"metadata": {"continue": "p2"}, "items": [{"metadata": {"name": "a"}}]},
        "p2": {"metadata": {"continue": "p3"}, "items": [{"metadata": {"name": "b"}}]},
        "p3": {"metadata": {}, "items": [{"metadata": {"name": "c"}}]},
    }
    server.handler = lambda r: aiohttp.web.json_response(pages[r.query.get("continue", "")])
    api = KubeApi(Connection(server.url), retry=FAST)
    try:
        items = await api.list("ConfigMap", "ns")
    finally:
        await api.aclose()
    assert [i["metadata"]["name"] for i in items] == ["a", "b", "c"]
    assert [q.get("continue") for _, _, q, _ in server.requests] == [None, "p2", "p3"]
    assert all(q["limit"] == "500" for _, _, q, _ in server.requests)


async def test_list_starts_over_once_when_the_continue_token_expired(server: Server) -> None:
    calls = {"n": 0}

    def handler(request: aiohttp.web.Request) -> aiohttp.web.Response:
        calls["n"] += 1
        if request.query.get("continue") == "old":
            return status_answer(410)
        if calls["n"] == 1:
            return aiohttp.web.json_response({"metadata": {"continue": "old"}, "items": [{"metadata": {}}]})
        return aiohttp.web.json_response({"metadata": {}, "items": [{"metadata": {"name": "x"}}]})

    server.handler = handler
    api = KubeApi(Connection(server.url), retry=FAST)
    try:
        items = await api.list("ConfigMap", "ns")
    finally:
        await api.aclose()
    assert [i["metadata"].get("name") for i in items] == ["x"], "no duplicate from the abandoned list"


async def test_every_call_has_a_timeout(server: Server) -> None:
    async def hang(_: aiohttp.web.Request) -> aiohttp.web.Response:
        await asyncio.sleep(2)  # far beyond the client's 0.2 s; short so the server's teardown is quick
        return aiohttp.web.json_response({})

    server.handler = hang
    api = KubeApi(Connection(server.url), timeout=0.2, retry=RetryPolicy(attempts=2, base_seconds=0.01))
    started = time.monotonic()
    try:
        with pytest.raises(KubeError, match="no answer"):
            await api.patch("ConfigMap", "ns", "cm", {"data": {}})
    finally:
        await api.aclose()
    assert time.monotonic() - started < 5
    assert len(server.requests) == 1, "a timed-out write is not sent again (it may have been applied)"


async def test_401_reads_the_token_again_and_retries_once(server: Server) -> None:
    source = {"token": "old"}
    accepted = {"token": "new"}
    tokens = TokenSource(lambda: Token(source["token"]), max_age=3600)
    server.handler = lambda r: (
        aiohttp.web.json_response({"ok": True})
        if r.headers.get("Authorization") == f"Bearer {accepted['token']}"
        else status_answer(401)
    )
    api = KubeApi(Connection(server.url, tokens=tokens), retry=FAST)
    try:
        await tokens.token()  # cached: "old"
        source["token"] = "new"  # rotated at its source
        assert await api.get("ConfigMap", "ns", "cm") == {"ok": True}
        assert [auth for *_, auth in server.requests] == ["Bearer old", "Bearer new"]
        source["token"] = "revoked"
        accepted["token"] = "other"
        with pytest.raises(KubeError) as info:  # one retry only: a token that stays bad is an error
            await api.get("ConfigMap", "ns", "cm")
        assert info.value.status == 401
        assert len(server.requests) == 4
    finally:
        await api.aclose()
    assert "revoked" not in str(info.value)
    assert "Bearer" not in str(info.value)


async def test_a_cut_connection_is_retried_for_reads_only(server: Server) -> None:
    cut = {"left": 1}

    async def handler(request: aiohttp.web.Request) -> aiohttp.web.Response:
        if cut["left"] > 0:
            cut["left"] -= 1
            assert request.transport is not None
            request.transport.close()  # the server drops the connection without an answer
        return aiohttp.web.json_response({"ok": True})

    server.handler = handler
    api = KubeApi(Connection(server.url), retry=FAST)
    try:
        assert await api.get("ConfigMap", "ns", "cm") == {"ok": True}
        cut["left"] = 1
        with pytest.raises(KubeError, match="no answer"):
            await api.patch("ConfigMap", "ns", "cm", {"data": {}})
    finally:
        await api.aclose()
    assert [m for m, *_ in server.requests] == ["GET", "GET", "PATCH"]
