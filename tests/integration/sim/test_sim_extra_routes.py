"""The endpoints GMO documents that the simulator lacked, token eviction and the number grammar, over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import websockets
from tradingbot.sim import Simulator


def error_code(response: httpx.Response) -> str:
    return str(response.json()["messages"][0]["message_code"])


def gmo_today() -> str:
    # GMO's day starts at 06:00 JST (21:00 UTC the day before).
    return (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y%m%d")


async def test_klines_from_the_simulators_trades(sim: Simulator, api: Any) -> None:
    await api.order(symbol="BTC_JPY", side="BUY", executionType="MARKET", size="0.05")
    await sim.step(20)
    response = await api.public("/v1/klines", symbol="BTC_JPY", interval="1min", date=gmo_today())
    envelope = response.json()
    assert envelope["status"] == 0, envelope
    candles = envelope["data"]
    assert candles, "trades happened today, so there is at least one candle"
    for candle in candles:
        assert set(candle) == {"openTime", "open", "high", "low", "close", "volume"}
        assert int(candle["openTime"]) % 60_000 == 0
    # The volume over all candles is the volume of the trades the simulator serves on /v1/trades.
    trades = (await api.public("/v1/trades", symbol="BTC_JPY", count="100")).json()["data"]["list"]
    assert len(trades) < 100  # all of them fit one page
    assert sum(float(c["volume"]) for c in candles) == pytest.approx(sum(float(t["size"]) for t in trades))
    year = (await api.public("/v1/klines", symbol="BTC_JPY", interval="1day", date=gmo_today()[:4])).json()
    assert year["status"] == 0
    wrong = await api.public("/v1/klines", symbol="BTC_JPY", interval="1day", date=gmo_today())
    assert error_code(wrong) == "ERR-5106"
    assert "YYYY" in wrong.json()["messages"][0]["message_string"]
    assert error_code(await api.public("/v1/klines", symbol="BTC_JPY", interval="1min")) == "ERR-5106"


async def test_trading_volume(api: Any) -> None:
    before = await api.data("/v1/account/tradingVolume")
    assert (before["jpyVolume"], before["tierLevel"]) == ("0", 1)
    assert [x["symbol"] for x in before["limit"]] == ["BTC_JPY", "ETH_JPY"]
    order_id = await api.order(symbol="BTC_JPY", side="BUY", executionType="MARKET", size="0.01")
    (execution,) = (await api.data("/v1/executions", orderId=str(order_id)))["list"]
    after = await api.data("/v1/account/tradingVolume")
    assert int(after["jpyVolume"]) == int(float(execution["price"]) * 0.01)


async def test_change_order_and_cancel_orders(sim: Simulator, api: Any) -> None:
    low = await api.order(symbol="BTC_JPY", side="BUY", executionType="LIMIT", price="1000", size="0.01")
    other = await api.order(symbol="BTC_JPY", side="BUY", executionType="LIMIT", price="1001", size="0.01")
    changed = await api.send("POST", "/v1/changeOrder", {"orderId": low, "price": "1500"})
    assert changed.json()["status"] == 0, changed.json()
    assert "data" not in changed.json()  # GMO answers changeOrder with status and responsetime only
    (view,) = (await api.data("/v1/orders", orderId=str(low)))["list"]
    assert view["price"] == "1500"
    refused = await api.send("POST", "/v1/changeOrder", {"orderId": low, "price": "１５００"})
    assert error_code(refused) == "ERR-5106"
    cancel = (await api.send("POST", "/v1/cancelOrders", {"orderIds": [low, 42, other]})).json()
    assert cancel["status"] == 0
    assert cancel["data"]["success"] == [low, other]
    assert [f["orderId"] for f in cancel["data"]["failed"]] == [42]
    assert cancel["data"]["failed"][0]["message_code"] == "ERR-5122"
    assert await api.data("/v1/activeOrders", symbol="BTC_JPY") == {}
    gone = await api.send("POST", "/v1/changeOrder", {"orderId": low, "price": "1600"})
    assert error_code(gone) == "ERR-5122"


async def test_change_losscut_price(sim: Simulator, api: Any) -> None:
    await api.order(symbol="BTC_JPY", side="BUY", executionType="MARKET", size="0.01")
    (pos,) = (await api.data("/v1/openPositions", symbol="BTC_JPY"))["list"]
    ok = await api.send(
        "POST", "/v1/changeLosscutPrice", {"positionId": pos["positionId"], "losscutPrice": "1000"}
    )
    assert ok.json()["status"] == 0, ok.json()
    (after,) = (await api.data("/v1/openPositions", symbol="BTC_JPY"))["list"]
    assert after["losscutPrice"] == "1000"
    missing = await api.send("POST", "/v1/changeLosscutPrice", {"positionId": 1, "losscutPrice": "1000"})
    assert error_code(missing) == "ERR-254"


async def test_evicted_tokens_stream_is_closed(sim: Simulator, api: Any) -> None:
    first = (await api.send("POST", "/v1/ws-auth", {})).json()["data"]
    async with websockets.connect(f"{sim.urls.private_ws}/{first}") as ws:
        await ws.send(json.dumps({"command": "subscribe", "channel": "orderEvents"}))
        for _ in range(5):  # the fifth of these is the sixth token: `first` goes
            assert (await api.send("POST", "/v1/ws-auth", {})).json()["status"] == 0
        await asyncio.wait_for(ws.wait_closed(), 3)
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{sim.urls.private_ws}/{first}")
    counts = (await api.client.get(sim.urls.base + "/admin/ws-tokens", headers={"API-KEY": api.key})).json()
    assert (counts["count"], counts["total"], counts["evictions"]) == (5, 5, 1)


def _signed(api: Any, method: str, path: str, body: str, stamp: str) -> dict[str, bytes]:
    text = stamp + method + path + (body if method == "POST" else "")
    sign = hmac.new(api.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    # Headers as UTF-8 bytes: a client that sends non-ASCII digits sends them like this.
    return {"API-KEY": api.key.encode(), "API-TIMESTAMP": stamp.encode(), "API-SIGN": sign.encode()}


@pytest.mark.parametrize(
    "translate",
    [
        str.maketrans("0123456789", "０１２３４５６７８９"),  # fullwidth
        str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),  # Arabic-Indic
    ],
)
async def test_timestamp_in_other_scripts_is_refused(api: Any, translate: dict[int, str]) -> None:
    stamp = str(time.time_ns() // 1_000_000).translate(translate)
    assert int(stamp) > 0  # Python's int() reads it; GMO does not
    response = await api.client.get(
        api.sim.urls.private_rest + "/v1/account/margin",
        headers=_signed(api, "GET", "/v1/account/margin", "", stamp),
    )
    assert error_code(response) == "ERR-5010"
    assert "ASCII" in response.json()["messages"][0]["message_string"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", "０.０１"),
        ("size", "٠.٠١"),
        ("size", "1e-2"),
        ("size", " 0.01"),
        ("size", "+0.01"),
        ("price", "１０００"),
    ],
)
async def test_numbers_in_other_forms_are_refused(sim: Simulator, api: Any, field: str, value: str) -> None:
    payload = {"symbol": "BTC_JPY", "side": "BUY", "executionType": "LIMIT", "price": "1000", "size": "0.01"}
    payload[field] = value
    response = await api.send("POST", "/v1/order", payload)
    assert error_code(response) == "ERR-5106"
    assert repr(value) in response.json()["messages"][0]["message_string"]
    assert sim.received_orders == []
    assert (await api.public("/v1/trades", symbol="BTC_JPY", count="１０")).json()["status"] == 1


async def test_cancelled_order_view_carries_cancel_type(api: Any) -> None:
    # GMO's /v1/orders example: a CANCELED order has "cancelType": "USER"; a live one has none.
    order_id = await api.order(symbol="BTC_JPY", side="BUY", executionType="LIMIT", price="1000", size="0.01")
    (live,) = (await api.data("/v1/orders", orderId=str(order_id)))["list"]
    assert "cancelType" not in live
    await api.send("POST", "/v1/cancelOrder", {"orderId": order_id})
    (cancelled,) = (await api.data("/v1/orders", orderId=str(order_id)))["list"]
    assert (cancelled["status"], cancelled["cancelType"]) == ("CANCELED", "USER")


async def test_ids_in_other_scripts_never_reach_an_order(api: Any) -> None:
    order_id = await api.order(symbol="BTC_JPY", side="BUY", executionType="LIMIT", price="1000", size="0.01")
    fullwidth = str(order_id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert int(fullwidth) == order_id  # what the old isdigit()/int() parsing read
    assert error_code(await api.send("POST", "/v1/cancelOrder", {"orderId": fullwidth})) == "ERR-5106"
    assert error_code(await api.get("/v1/orders", orderId=fullwidth)) == "ERR-5106"
    assert error_code(await api.get("/v1/executions", executionId=fullwidth)) == "ERR-5106"
    (still,) = (await api.data("/v1/activeOrders", symbol="BTC_JPY"))["list"]
    assert still["orderId"] == order_id
