"""Private-stream token handling against a tiny local websockets server and a fake token service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any, cast

import orjson
import pytest
from tradingbot.venues.gmo.errors import ErrorCategory, GmoError
from tradingbot.venues.gmo.rest import GmoRestClient
from tradingbot.venues.gmo.ws import PrivateStream, StreamState
from venue_support import FAST_WS
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from tests.support.eventually import eventually


class FakeTokens:
    """Stands in for the REST token calls; `valid` is what the server accepts."""

    def __init__(self) -> None:
        self.valid: set[str] = set()
        self.created: list[str] = []
        self.extended: list[str] = []
        self.deleted: list[str] = []
        self.reject_extend = False
        self.accept_next_created = True

    async def create_ws_token(self) -> str:
        token = f"tok{len(self.created)}"
        self.created.append(token)
        if self.accept_next_created:
            self.valid.add(token)
        self.accept_next_created = True
        return token

    async def extend_ws_token(self, token: str) -> None:
        if self.reject_extend or token not in self.valid:
            raise GmoError("PUT /v1/ws-auth refused: ERR-5106", category=ErrorCategory.INVALID_REQUEST)
        self.extended.append(token)

    async def delete_ws_token(self, token: str) -> None:
        self.deleted.append(token)
        self.valid.discard(token)


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, FakeTokens, list[dict[str, Any]]]]:
    tokens = FakeTokens()
    received: list[dict[str, Any]] = []

    def check(connection: ServerConnection, request: Request) -> Response | None:
        token = request.path.rsplit("/", 1)[-1]
        if token not in tokens.valid:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "token unknown\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        async for message in connection:
            received.append(orjson.loads(message))
            await connection.send(b'{"channel":"orderEvents"}')  # malformed: fields missing

    async with serve(handler, "127.0.0.1", 0, process_request=check) as srv:
        yield srv, tokens, received


def _url(srv: Server) -> str:
    port = next(iter(srv.sockets)).getsockname()[1]
    return f"ws://127.0.0.1:{port}/ws/private/v1"


async def test_token_extended_recreated_and_deleted(
    server: tuple[Server, FakeTokens, list[dict[str, Any]]],
) -> None:
    srv, tokens, received = server
    tokens.accept_next_created = False  # the first token is refused at the handshake
    states: list[StreamState] = []
    timing = FAST_WS.__class__(**{**FAST_WS.__dict__, "stale_after": None, "token_extend_every": 0.1})
    stream = PrivateStream(
        cast(GmoRestClient, tokens), _url(srv), ["orderEvents"], on_state=states.append, timing=timing
    )
    task = asyncio.create_task(stream.run())
    try:
        await eventually(lambda: stream.state is StreamState.CONNECTED, what="connect with a second token")
        assert tokens.created == ["tok0", "tok1"]
        await eventually(
            lambda: received == [{"command": "subscribe", "channel": "orderEvents"}], what="subscribe"
        )
        await eventually(lambda: len(tokens.extended) >= 2, what="periodic extension")
        # Malformed private frames are counted, never fatal.
        await eventually(lambda: stream.malformed_frames == 1, what="malformed counted")

        tokens.reject_extend = True  # the exchange no longer knows the token
        await eventually(lambda: stream.connects == 2, what="reconnect with a new token")
        assert tokens.created[-1] == "tok2"
        tokens.reject_extend = False
        await eventually(lambda: len(received) == 2, what="resubscribe")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert tokens.deleted == [tokens.created[-1]]  # the live token is deleted on stop
    assert not task.done() or task.cancelled()
