"""The private stream's token lifecycle against the real simulator (issue 18, item 2).

A kept token is extended and reused on start, or deleted and replaced when the exchange no longer knows it;
a clean stop deletes it and its file; a token evicted by another client on the same key is replaced at
once, counted and logged, never silently. The simulator's registry is the independent reference.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from tradingbot.ops.metrics import BotMetrics
from tradingbot.sim import PAPER_API_KEY, Simulator
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.rest import GmoRestClient
from tradingbot.venues.gmo.tokenstore import FileTokenStore
from tradingbot.venues.gmo.ws import PrivateStream, StreamState
from venue_support import FAST_WS

from tests.support.eventually import eventually


@contextlib.asynccontextmanager
async def running(stream: PrivateStream) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(stream.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _stream(
    client: GmoRestClient, endpoints: GmoEndpoints, store: FileTokenStore, **kw: object
) -> PrivateStream:
    return PrivateStream(
        client,
        endpoints.private_ws,
        ["orderEvents"],
        timing=FAST_WS,
        token_store=store,
        **kw,  # type: ignore[arg-type]
    )


def _kept(path: Path) -> str:
    token = orjson.loads(path.read_bytes())["token"]
    assert isinstance(token, str)
    return token


async def test_kept_token_is_reused_then_deleted_on_clean_stop(
    sim: Simulator, client: GmoRestClient, endpoints: GmoEndpoints, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "state" / "ws_token.json", endpoints.private_rest)
    # What a killed run leaves behind: a live token at the exchange and its file.
    left = await client.create_ws_token()
    store.save(left)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    stream = _stream(client, endpoints, store)
    async with running(stream):
        await eventually(lambda: stream.state is StreamState.CONNECTED, what="private stream connected")
        assert sim.tokens.count(PAPER_API_KEY) == 1, "the kept token was reused, no new one"
        assert (stream.tokens_reused, stream.tokens_created) == (1, 0)
        assert _kept(store.path) == left
    assert sim.tokens.count(PAPER_API_KEY) == 0, "a clean stop deletes the token at the exchange"
    assert not store.path.exists(), "and its file"


async def test_stale_kept_token_is_deleted_and_replaced(
    sim: Simulator, client: GmoRestClient, endpoints: GmoEndpoints, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "ws_token.json", endpoints.private_rest)
    store.save(await client.create_ws_token())
    sim.faults.expire_ws_tokens()  # the kept one expired while the bot was down
    metrics = BotMetrics()
    stream = _stream(client, endpoints, store, on_token_renewal=metrics.ws_token_renewal)
    async with running(stream):
        await eventually(lambda: stream.state is StreamState.CONNECTED, what="private stream connected")
        assert sim.tokens.count(PAPER_API_KEY) == 1
        assert stream.tokens_created == 1
        assert sim.tokens.owner(_kept(store.path)) == PAPER_API_KEY, "the file holds the new, live token"
    assert 'tradingbot_ws_token_renewals_total{reason="stored_invalid"} 1.0' in metrics.render().decode()


async def test_token_of_another_endpoint_is_not_touched(
    sim: Simulator, client: GmoRestClient, endpoints: GmoEndpoints, tmp_path: Path
) -> None:
    path = tmp_path / "ws_token.json"
    elsewhere = await client.create_ws_token()
    FileTokenStore(path, "https://api.coin.z.com/private").save(elsewhere)
    stream = _stream(client, endpoints, FileTokenStore(path, endpoints.private_rest))
    async with running(stream):
        await eventually(lambda: stream.state is StreamState.CONNECTED, what="private stream connected")
        assert sim.tokens.owner(elsewhere) == PAPER_API_KEY, "never extended/deleted as if it were ours"
        assert stream.tokens_created == 1


async def test_eviction_by_another_client_is_renewed_counted_and_logged(
    sim: Simulator,
    client: GmoRestClient,
    endpoints: GmoEndpoints,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = FileTokenStore(tmp_path / "ws_token.json", endpoints.private_rest)
    metrics = BotMetrics()
    stream = _stream(client, endpoints, store, on_token_renewal=metrics.ws_token_renewal)
    async with running(stream):
        await eventually(lambda: stream.state is StreamState.CONNECTED, what="private stream connected")
        first = _kept(store.path)
        others = [await client.create_ws_token() for _ in range(5)]  # another program, same key
        assert sim.tokens.owner(first) is None, "the simulator evicted the bot's token"
        await eventually(
            lambda: stream.connects == 2 and stream.state is StreamState.CONNECTED,
            timeout=5.0,
            what="private stream back with a new token",
        )
        renewed = _kept(store.path)
        assert renewed != first
        assert sim.tokens.owner(renewed) == PAPER_API_KEY
        assert stream.token_renewals == {"rejected_after_drop": 1}
    text = metrics.render().decode()
    assert 'tradingbot_ws_token_renewals_total{reason="rejected_after_drop"} 1.0' in text
    assert "access token replaced (rejected_after_drop)" in caplog.text
    for token in (first, renewed, *others):
        assert token not in caplog.text, "a WS token reached the log"
        assert token not in text
