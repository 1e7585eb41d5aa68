"""Each injected fault, in-process and over the /admin endpoints."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
import websockets
from tradingbot.sim import Simulator

ORDER = {"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "0.01"}


async def test_http_5xx_does_not_execute(sim: Simulator, api: Any) -> None:
    sim.faults.http_5xx_next = 1
    response = await api.send("POST", "/v1/order", ORDER)
    assert response.status_code == 503
    assert sim.received_orders == []
    assert await api.data("/v1/openPositions", symbol="BTC_JPY") == {}
    assert (await api.send("POST", "/v1/order", ORDER)).json()["status"] == 0


async def test_rate_limit_burst(sim: Simulator, api: Any) -> None:
    sim.faults.rate_limit_next = 2
    for _ in range(2):
        assert (await api.get("/v1/account/margin")).json()["messages"][0]["message_code"] == "ERR-5003"
    assert (await api.get("/v1/account/margin")).json()["status"] == 0


@pytest.mark.parametrize(
    ("code", "status"), [("ERR-5201", "MAINTENANCE"), ("ERR-5202", "MAINTENANCE"), ("ERR-5203", "PREOPEN")]
)
async def test_maintenance(sim: Simulator, api: Any, code: str, status: str) -> None:
    sim.faults.maintenance = code
    assert (await api.public("/v1/status")).json()["data"] == {"status": status}
    refused = (await api.send("POST", "/v1/order", ORDER)).json()
    assert refused["messages"][0]["message_code"] == code
    reads = (await api.get("/v1/account/margin")).json()
    # Pre-open still answers reads; maintenance and a stopped exchange refuse everything.
    assert reads["status"] == (0 if code == "ERR-5203" else 1)
    sim.faults.maintenance = None
    assert (await api.public("/v1/status")).json()["data"] == {"status": "OPEN"}


async def test_latency(sim: Simulator, api: Any) -> None:
    sim.faults.latency_ms = 150
    started = time.monotonic()
    assert (await api.public("/v1/status")).json()["status"] == 0
    assert time.monotonic() - started >= 0.15


async def test_accept_then_timeout_places_the_order(sim: Simulator, api: Any, until: Any) -> None:
    sim.faults.accept_then_timeout_next = 1
    assert sim.held_requests == 0
    with pytest.raises(httpx.ReadTimeout):
        await api.send("POST", "/v1/order", ORDER, timeout=0.3)
    assert sim.received_orders == [ORDER]
    assert sim.held_requests in (0, 1)
    # The order exists although its response never came: findable through executions/positions.
    (position,) = (await api.data("/v1/openPositions", symbol="BTC_JPY"))["list"]
    assert position["size"] == "0.01"
    assert sim.faults.accept_then_timeout_next == 0
    # The held request is released once the client went away.
    await until(lambda: sim.held_requests == 0)


async def test_ws_drop_and_token_expiry(sim: Simulator, api: Any, until: Any) -> None:
    async with websockets.connect(sim.urls.public_ws) as public:
        await until(lambda: len(sim.hub.connections) == 1)
        sim.faults.drop_ws()
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(public.recv(), 3)
    token = (await api.send("POST", "/v1/ws-auth", {})).json()["data"]
    async with websockets.connect(f"{sim.urls.private_ws}/{token}") as private:
        await until(lambda: len(sim.hub.connections) == 1)
        sim.faults.expire_ws_tokens()
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(private.recv(), 3)
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{sim.urls.private_ws}/{token}")
    assert (await api.send("PUT", "/v1/ws-auth", {"token": token})).json()["status"] == 1


async def test_ws_stall_then_resume(sim: Simulator, until: Any) -> None:
    async with websockets.connect(sim.urls.public_ws) as ws:
        await ws.send(json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "BTC_JPY"}))
        await until(lambda: any(c.subs for c in sim.hub.connections))
        sim.faults.ws_stall = True
        await sim.step(5)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)  # a bounded negative check: nothing may arrive
        sim.faults.ws_stall = False
        await sim.step(1)
        frame = json.loads(await asyncio.wait_for(ws.recv(), 3))
        assert frame["channel"] == "ticker"


async def test_malformed_frames(sim: Simulator, until: Any) -> None:
    async with websockets.connect(sim.urls.public_ws) as ws:
        await ws.send(json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "BTC_JPY"}))
        await until(lambda: any(c.subs for c in sim.hub.connections))
        sim.faults.malformed_next = 2
        await sim.step(2)
        raw = [await asyncio.wait_for(ws.recv(), 3) for _ in range(4)]
        bad = 0
        for text in raw:
            try:
                json.loads(text)
            except ValueError:
                bad += 1
        assert bad == 2
        assert sim.faults.malformed_next == 0


async def test_bad_frames_replace_the_next_broadcast(sim: Simulator, api: Any, until: Any) -> None:
    base = sim.urls.base
    async with websockets.connect(sim.urls.public_ws) as ws:
        await ws.send(json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "BTC_JPY"}))
        await until(lambda: sim.hub.wants("ticker", "BTC_JPY"))
        entries = ["ticker:zero_price", "trades:hold_side", "orderbooks:unsorted_asks", "ticker:valid"]
        plan = {"bad_frames": entries, "bad_frame_price": "15300000"}
        assert (await api.client.post(f"{base}/admin/faults", json=plan)).json()["bad_frames"] == entries
        await sim.set_price("BTC_JPY", Decimal("15000000"))
        # Sent to the ticker subscriber whatever channel each claims, in order, instead of the real ticker.
        got = [json.loads(await asyncio.wait_for(ws.recv(), 3)) for _ in entries]
        assert [f["channel"] for f in got] == ["ticker", "trades", "orderbooks", "ticker"]
        assert got[0]["bid"] == "0"
        assert got[1]["side"] == "HOLD"
        asks = [Decimal(level["price"]) for level in got[2]["asks"]]
        assert asks != sorted(asks)
        assert (Decimal(got[3]["bid"]) + Decimal(got[3]["ask"])) / 2 == Decimal("15300000")
        assert sim.faults.bad_frames == ()
        await sim.set_price("BTC_JPY", Decimal("15000000"))  # the fault is spent: the real ticker again
        real = json.loads(await asyncio.wait_for(ws.recv(), 3))
        assert real["channel"] == "ticker"
        assert Decimal(real["bid"]) < Decimal("15000000") < Decimal(real["ask"])
    for body, message in (
        ({"bad_frames": ["ticker:hold_side"]}, "bad_frames entry 'ticker:hold_side'"),
        ({"bad_frames": "ticker:valid"}, "bad_frames='ticker:valid'; accepted: a list"),
        ({"bad_frame_price": "1e7"}, "bad_frame_price='1e7'; accepted: null or a positive decimal"),
    ):
        refused = await api.client.post(f"{base}/admin/faults", json=body)
        assert refused.status_code == 400
        assert message in refused.json()["error"]
    assert sim.faults.bad_frame_price == "15300000"  # nothing applied from a refused update


async def test_admin_endpoints(sim: Simulator, api: Any) -> None:
    base = sim.urls.base
    client = api.client
    plan = (
        await client.post(f"{base}/admin/faults", json={"latency_ms": 5, "maintenance": "ERR-5203"})
    ).json()
    assert plan["latency_ms"] == 5
    assert sim.faults.maintenance == "ERR-5203"
    bad = await client.post(f"{base}/admin/faults", json={"maintenance": "soon"})
    assert bad.status_code == 400
    assert "maintenance='soon'" in bad.json()["error"]
    assert (await client.post(f"{base}/admin/faults/reset")).json()["maintenance"] is None
    assert (await client.post(f"{base}/admin/step", json={"n": 3})).json() == {"step": 3}
    assert (await client.post(f"{base}/admin/step", json={"n": 0})).status_code == 400
    prices = (
        await client.post(f"{base}/admin/price", json={"symbol": "BTC_JPY", "price": "12000000"})
    ).json()
    assert prices["BTC_JPY"] == "12000000"
    assert (await client.post(f"{base}/admin/price", json={"symbol": "X", "price": "1"})).status_code == 400
    await api.order(**ORDER)
    orders = (await client.get(f"{base}/admin/orders")).json()
    assert orders == {"orders": [ORDER]}
    state = (await client.get(f"{base}/admin/state")).json()
    (account,) = state["accounts"]
    assert len(account["positions"]) == 1
    assert account["margin"]["marginCallStatus"] == "NORMAL"
    assert "paper-sim-key" not in json.dumps(state)  # keys never leave the simulator
    assert (await client.post(f"{base}/admin/drop-ws")).status_code == 200
    assert (await client.post(f"{base}/admin/expire-ws-tokens")).status_code == 200


async def test_ticking_mode_advances_by_itself(start_sim: Any, until: Any) -> None:
    async with start_sim(tick_interval=0.001) as sim:
        await until(lambda: sim.prices.step_count >= 20)
