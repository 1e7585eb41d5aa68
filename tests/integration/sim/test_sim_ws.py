"""Public and private WebSocket streams, subscribe pacing, pings and tokens, with raw websockets."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import aiohttp
import httpx
import pytest
import websockets
from tradingbot.sim import Simulator


async def recv_json(ws: Any, timeout: float = 3.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))  # type: ignore[no-any-return]


async def recv_until(ws: Any, predicate: Any, timeout: float = 3.0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await recv_json(ws, max(0.01, deadline - loop.time()))
        if predicate(frame):
            return frame


async def test_public_streams_each_step(sim: Simulator) -> None:
    # max_queue=None: frames are left unread here; flow control would otherwise stall the close.
    async with websockets.connect(sim.urls.public_ws, max_queue=None) as ws:
        for channel in ("ticker", "orderbooks", "trades"):
            await ws.send(json.dumps({"command": "subscribe", "channel": channel, "symbol": "BTC_JPY"}))
        await asyncio.wait_for(_wait_subscribed(sim, 3), 3)
        await sim.step(5)
        ticker = await recv_until(ws, lambda f: f["channel"] == "ticker")
        assert set(ticker) == {
            "channel",
            "ask",
            "bid",
            "high",
            "last",
            "low",
            "symbol",
            "timestamp",
            "volume",
        }
        book = await recv_until(ws, lambda f: f["channel"] == "orderbooks")
        assert len(book["asks"]) == 20
        assert len(book["bids"]) == 20
        assert book["symbol"] == "BTC_JPY"
        trade = await recv_until(ws, lambda f: f["channel"] == "trades")
        assert set(trade) == {"channel", "price", "side", "size", "timestamp", "symbol"}
        # ETH was not subscribed: no frame for it ever.
        await sim.step(3)
        await ws.send(json.dumps({"command": "unsubscribe", "channel": "orderbooks", "symbol": "BTC_JPY"}))
        await asyncio.wait_for(_wait_subscribed(sim, 2), 3)
        await sim.step(3)
        frames = [await recv_json(ws) for _ in range(3)]
        assert all(f.get("symbol") == "BTC_JPY" for f in frames)


async def _wait_subscribed(sim: Simulator, count: int) -> None:
    while sum(len(c.subs) for c in sim.hub.connections) != count:
        await asyncio.sleep(0.01)


async def test_subscribe_pacing_like_gmo(start_sim: Any) -> None:
    async with start_sim(ws_subscribe_interval=1.0) as sim, websockets.connect(sim.urls.public_ws) as ws:
        await ws.send(json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "BTC_JPY"}))
        await ws.send(json.dumps({"command": "subscribe", "channel": "trades", "symbol": "BTC_JPY"}))
        frame = await recv_json(ws)
        assert frame == {"error": "ERR-5003 Request too many."}
        await sim.step(1)
        assert (await recv_json(ws))["channel"] == "ticker"  # the first subscription stands


async def test_bad_subscribe_messages(sim: Simulator) -> None:
    async with websockets.connect(sim.urls.public_ws) as ws:
        await ws.send("not json")
        assert (await recv_json(ws))["error"].startswith("ERR-5106")
        await ws.send(json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "DOGE_JPY"}))
        assert "DOGE_JPY" in (await recv_json(ws))["error"]
        await ws.send(json.dumps({"command": "subscribe", "channel": "executionEvents", "symbol": "BTC_JPY"}))
        assert "executionEvents" in (await recv_json(ws))["error"]


async def _private(sim: Simulator, api: Any, channels: list[str]) -> tuple[Any, str]:
    token = (await api.send("POST", "/v1/ws-auth", {})).json()["data"]
    ws = await websockets.connect(f"{sim.urls.private_ws}/{token}")
    for channel in channels:
        await ws.send(json.dumps({"command": "subscribe", "channel": channel}))
    await asyncio.wait_for(_wait_subscribed(sim, len(channels)), 3)
    return ws, token


async def test_private_events_match_rest(sim: Simulator, api: Any) -> None:
    ws, _ = await _private(
        sim, api, ["executionEvents", "orderEvents", "positionEvents", "positionSummaryEvents"]
    )
    async with ws:
        order_id = await api.order(symbol="BTC_JPY", side="BUY", executionType="MARKET", size="0.01")
        ordered = await recv_until(ws, lambda f: f["channel"] == "orderEvents")
        assert (ordered["orderId"], ordered["msgType"], ordered["orderStatus"]) == (
            order_id,
            "NOR",
            "ORDERED",
        )
        ex = await recv_until(ws, lambda f: f["channel"] == "executionEvents")
        (rest_ex,) = (await api.data("/v1/executions", orderId=str(order_id)))["list"]
        assert ex["executionId"] == rest_ex["executionId"]
        assert ex["executionPrice"] == rest_ex["price"]
        assert ex["executionSize"] == rest_ex["size"]
        assert ex["positionId"] == rest_ex["positionId"]
        assert ex["msgType"] == "ER"
        assert ex["orderExecutedSize"] == "0.01"
        pos = await recv_until(ws, lambda f: f["channel"] == "positionEvents")
        (rest_pos,) = (await api.data("/v1/openPositions", symbol="BTC_JPY"))["list"]
        assert pos["msgType"] == "OPR"
        assert (pos["positionId"], pos["price"], pos["size"]) == (
            rest_pos["positionId"],
            rest_pos["price"],
            rest_pos["size"],
        )
        summary = await recv_until(
            ws, lambda f: f["channel"] == "positionSummaryEvents" and f["side"] == "BUY"
        )
        (rest_summary,) = (await api.data("/v1/positionSummary", symbol="BTC_JPY"))["list"]
        assert summary["sumPositionQuantity"] == rest_summary["sumPositionQuantity"] == "0.01"
        # A resting order then its cancel: NOR then COR.
        limit = await api.order(
            symbol="BTC_JPY", side="BUY", executionType="LIMIT", price="1000", size="0.01"
        )
        assert (await recv_until(ws, lambda f: f["channel"] == "orderEvents"))["msgType"] == "NOR"
        await api.send("POST", "/v1/cancelOrder", {"orderId": limit})
        cancelled = await recv_until(ws, lambda f: f["channel"] == "orderEvents")
        assert (cancelled["orderId"], cancelled["msgType"], cancelled["orderStatus"]) == (
            limit,
            "COR",
            "CANCELED",
        )
        # Closing: CPR.
        await api.send(
            "POST",
            "/v1/closeOrder",
            {
                "symbol": "BTC_JPY",
                "side": "SELL",
                "executionType": "MARKET",
                "settlePosition": [{"positionId": pos["positionId"], "size": "0.01"}],
            },
        )
        closed = await recv_until(ws, lambda f: f["channel"] == "positionEvents" and f["msgType"] == "CPR")
        assert closed["positionId"] == pos["positionId"]


async def test_private_events_are_per_account(start_sim: Any, raw_api: Any) -> None:
    creds = {"key-a": "secret-a", "key-b": "secret-b"}
    async with start_sim(credentials=creds) as sim, httpx.AsyncClient() as client:
        api_a = raw_api(sim, client, "key-a", "secret-a")
        api_b = raw_api(sim, client, "key-b", "secret-b")
        ws_b, _ = await _private(sim, api_b, ["orderEvents"])
        async with ws_b:
            await api_a.order(symbol="BTC_JPY", side="BUY", executionType="MARKET", size="0.01")
            b_order = await api_b.order(symbol="BTC_JPY", side="BUY", executionType="MARKET", size="0.01")
            assert (await recv_json(ws_b))["orderId"] == b_order
        assert await api_b.data("/v1/openPositions", symbol="BTC_JPY") != {}
        assert len((await api_a.data("/v1/openPositions", symbol="BTC_JPY"))["list"]) == 1


async def test_summary_init_and_periodic(start_sim: Any, raw_api: Any) -> None:
    async with start_sim(periodic_interval=0.05) as sim, httpx.AsyncClient() as client:
        api = raw_api(sim, client)
        await api.order(symbol="BTC_JPY", side="SELL", executionType="MARKET", size="0.01")
        token = (await api.send("POST", "/v1/ws-auth", {})).json()["data"]
        async with websockets.connect(f"{sim.urls.private_ws}/{token}") as ws:
            await ws.send(
                json.dumps({"command": "subscribe", "channel": "positionSummaryEvents", "option": "PERIODIC"})
            )
            init = await recv_json(ws)
            assert (init["msgType"], init["side"], init["sumPositionQuantity"]) == ("INIT", "SELL", "0.01")
            periodic = await recv_json(ws)
            assert periodic["msgType"] == "PERIODIC"


async def test_unknown_token_is_refused(sim: Simulator) -> None:
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(f"{sim.urls.private_ws}/not-a-token")
    assert info.value.response.status_code == 401


async def test_server_pings_and_drops_silent_clients(start_sim: Any) -> None:
    async with (
        start_sim(ws_ping_interval=0.05, ws_max_missed_pings=3) as sim,
        aiohttp.ClientSession() as session,
    ):
        # autoping=False: this client never answers, so it must be dropped after 3 pings.
        async with session.ws_connect(sim.urls.public_ws, autoping=False) as ws:
            kinds = []
            while True:
                msg = await asyncio.wait_for(ws.receive(), 3)
                kinds.append(msg.type)
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                    break
            assert kinds.count(aiohttp.WSMsgType.PING) == 3
        # A client that answers (websockets does) stays connected past several ping intervals.
        async with websockets.connect(sim.urls.public_ws) as good:
            await good.send(json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "ETH_JPY"}))
            await asyncio.wait_for(_wait_subscribed(sim, 1), 3)
            for _ in range(10):
                await sim.step(1)
                await recv_json(good)
                await asyncio.wait_for(good.ping(), 3)
            assert Decimal((await _ticker_after_step(sim, good))["ask"]) > 0


async def _ticker_after_step(sim: Simulator, ws: Any) -> dict[str, Any]:
    await sim.step(1)
    return await recv_json(ws)
