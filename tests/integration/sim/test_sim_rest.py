"""REST wire format and every error path of the simulator, over real HTTP with independent signing."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
from tradingbot.sim import Simulator

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def error_code(response: httpx.Response) -> str:
    envelope = response.json()
    assert response.status_code == 200
    assert envelope["status"] == 1
    assert TS.match(envelope["responsetime"])
    (message,) = envelope["messages"]
    assert message["message_string"]
    return str(message["message_code"])


async def test_public_envelopes(api: Any) -> None:
    status = (await api.public("/v1/status")).json()
    assert status["status"] == 0
    assert status["data"] == {"status": "OPEN"}
    assert TS.match(status["responsetime"])
    (ticker,) = (await api.public("/v1/ticker", symbol="BTC_JPY")).json()["data"]
    assert set(ticker) == {"ask", "bid", "high", "last", "low", "symbol", "timestamp", "volume"}
    assert ticker["symbol"] == "BTC_JPY"
    assert Decimal(ticker["bid"]) < Decimal(ticker["ask"])
    assert all(isinstance(ticker[k], str) for k in ticker)
    book = (await api.public("/v1/orderbooks", symbol="BTC_JPY")).json()["data"]
    asks = [Decimal(a["price"]) for a in book["asks"]]
    bids = [Decimal(b["price"]) for b in book["bids"]]
    assert len(asks) == 20
    assert len(bids) == 20
    assert asks == sorted(asks)
    assert bids == sorted(bids, reverse=True)
    assert book["symbol"] == "BTC_JPY"
    symbols = {s["symbol"]: s for s in (await api.public("/v1/symbols")).json()["data"]}
    assert set(symbols) == {"BTC_JPY", "ETH_JPY"}
    assert symbols["BTC_JPY"]["minOrderSize"] == "0.01"
    assert symbols["BTC_JPY"]["tickSize"] == "1"
    assert error_code(await api.public("/v1/ticker", symbol="DOGE_JPY")) == "ERR-5106"


async def test_trades_after_steps(sim: Simulator, api: Any) -> None:
    await sim.step(30)
    trades = (await api.public("/v1/trades", symbol="BTC_JPY", page=1, count=5)).json()["data"]
    assert trades["pagination"] == {"currentPage": 1, "count": 5}
    assert len(trades["list"]) == 5
    assert set(trades["list"][0]) == {"price", "side", "size", "timestamp"}


async def test_auth_error_codes(api: Any) -> None:
    url = api.sim.urls.private_rest + "/v1/account/margin"
    good = api.headers("GET", "/v1/account/margin")
    cases = {
        "ERR-5011": {k: v for k, v in good.items() if k != "API-KEY"},
        "ERR-5012": {**good, "API-KEY": "nobody"},
        "ERR-5010": {**good, "API-SIGN": "0" * 64},
        "ERR-5008": api.headers("GET", "/v1/account/margin", skew_ms=60_000),
        "ERR-5009": api.headers("GET", "/v1/account/margin", skew_ms=-60_000),
    }
    for code, headers in cases.items():
        assert error_code(await api.client.get(url, headers=headers)) == code, code
    # Signing the path with the /private prefix is a classic bug: refused.
    bad_path = api.headers("GET", "/private/v1/account/margin")
    assert error_code(await api.client.get(url, headers=bad_path)) == "ERR-5010"
    # The body is part of a POST signature.
    body = '{"orderId": 1}'
    headers = api.headers("POST", "/v1/cancelOrder", '{"orderId": 2}')
    response = await api.client.post(
        api.sim.urls.private_rest + "/v1/cancelOrder", content=body, headers=headers
    )
    assert error_code(response) == "ERR-5010"


async def test_put_and_delete_sign_without_body(api: Any) -> None:
    token = (await api.send("POST", "/v1/ws-auth", {})).json()["data"]
    assert isinstance(token, str)
    assert (await api.send("PUT", "/v1/ws-auth", {"token": token})).json()["status"] == 0
    # A PUT signed over its body is refused.
    body = f'{{"token": "{token}"}}'
    stamp_headers = api.headers("POST", "/v1/ws-auth", body)  # includes the body in the signature
    response = await api.client.put(
        api.sim.urls.private_rest + "/v1/ws-auth", content=body, headers=stamp_headers
    )
    assert error_code(response) == "ERR-5010"
    assert (await api.send("DELETE", "/v1/ws-auth", {"token": token})).json()["status"] == 0
    assert error_code(await api.send("PUT", "/v1/ws-auth", {"token": token})) == "ERR-5106"


async def test_sixth_ws_token_evicts_the_oldest(api: Any) -> None:
    tokens = [(await api.send("POST", "/v1/ws-auth", {})).json()["data"] for _ in range(5)]
    # Extending the first moves it to the back of the expiry queue: the second is now nearest.
    assert (await api.send("PUT", "/v1/ws-auth", {"token": tokens[0]})).json()["status"] == 0
    sixth = await api.send("POST", "/v1/ws-auth", {})
    assert sixth.json()["status"] == 0  # GMO evicts rather than refuses
    assert error_code(await api.send("PUT", "/v1/ws-auth", {"token": tokens[1]})) == "ERR-5106"
    for alive in (tokens[0], *tokens[2:], sixth.json()["data"]):
        assert (await api.send("PUT", "/v1/ws-auth", {"token": alive})).json()["status"] == 0
    admin = await api.client.get(api.sim.urls.base + "/admin/ws-tokens", headers={"API-KEY": api.key})
    assert admin.json()["count"] == 5
    assert admin.json()["evictions"] == 1
    assert admin.json()["accounts"] == {"account-1": 5}


async def test_rate_limit_per_key(start_sim: Any, raw_api: Any) -> None:
    async with start_sim(get_per_second=3, post_per_second=2) as sim, httpx.AsyncClient() as client:
        api = raw_api(sim, client)
        codes = [(await api.get("/v1/account/margin")).json()["status"] for _ in range(4)]
        assert codes == [0, 0, 0, 1]
        assert error_code(await api.get("/v1/account/assets")) == "ERR-5003"
        # POSTs have their own budget.
        assert (await api.send("POST", "/v1/ws-auth", {})).json()["status"] == 0


async def test_parameter_errors(sim: Simulator, api: Any) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": 0.01}, "ERR-5106"),
        ({"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "0.001"}, "ERR-5114"),
        ({"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "abc"}, "ERR-5106"),
        ({"symbol": "BTC_JPY", "side": "BUY", "executionType": "LIMIT", "size": "0.01"}, "ERR-5106"),
        ({"symbol": "NOPE", "side": "BUY", "executionType": "MARKET", "size": "0.01"}, "ERR-5106"),
        ({"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "4"}, "ERR-201"),
    ]
    for payload, code in cases:
        assert error_code(await api.send("POST", "/v1/order", payload)) == code, payload
    assert sim.received_orders == []  # refused orders are not "received"
    assert error_code(await api.send("POST", "/v1/cancelOrder", {"orderId": 123})) == "ERR-5122"
    close = {
        "symbol": "BTC_JPY",
        "side": "SELL",
        "executionType": "MARKET",
        "settlePosition": [{"positionId": 1, "size": "0.01"}],
    }
    assert error_code(await api.send("POST", "/v1/closeOrder", close)) == "ERR-254"
    bulk = {"symbol": "BTC_JPY", "side": "SELL", "executionType": "MARKET", "size": "0.01"}
    assert error_code(await api.send("POST", "/v1/closeBulkOrder", bulk)) == "ERR-254"
    response = await api.client.post(
        api.sim.urls.private_rest + "/v1/order",
        content="{not json",
        headers=api.headers("POST", "/v1/order", "{not json"),
    )
    assert error_code(response) == "ERR-5106"


async def test_empty_lists_are_empty_objects(api: Any) -> None:
    assert await api.data("/v1/activeOrders", symbol="BTC_JPY") == {}
    assert await api.data("/v1/latestExecutions", symbol="BTC_JPY") == {}
    assert await api.data("/v1/openPositions", symbol="BTC_JPY") == {}
    assert await api.data("/v1/positionSummary", symbol="BTC_JPY") == {"list": []}


async def test_order_execution_position_close_cycle(sim: Simulator, api: Any) -> None:
    margin0 = await api.data("/v1/account/margin")
    assert margin0["availableAmount"] == "10000000"
    assert margin0["marginCallStatus"] == "NORMAL"
    order_id = await api.order(symbol="BTC_JPY", side="BUY", executionType="MARKET", size="0.02")
    (order,) = (await api.data("/v1/orders", orderId=str(order_id)))["list"]
    assert order["status"] == "EXECUTED"
    assert order["executedSize"] == "0.02"
    assert order["settleType"] == "OPEN"
    (execution,) = (await api.data("/v1/executions", orderId=str(order_id)))["list"]
    assert isinstance(execution["executionId"], int)
    latest = (await api.data("/v1/latestExecutions", symbol="BTC_JPY"))["list"]
    assert latest[0] == execution
    (position,) = (await api.data("/v1/openPositions", symbol="BTC_JPY"))["list"]
    assert position["positionId"] == execution["positionId"]
    assert (position["size"], position["orderdSize"], position["leverage"]) == ("0.02", "0", "2")
    assert position["price"] == execution["price"]
    (summary,) = (await api.data("/v1/positionSummary", symbol="BTC_JPY"))["list"]
    assert summary["sumPositionQuantity"] == "0.02"
    margin1 = await api.data("/v1/account/margin")
    assert Decimal(margin1["margin"]) == (Decimal(position["price"]) * Decimal("0.02") / 2).to_integral_value(
        "ROUND_DOWN"
    )

    await sim.set_price("BTC_JPY", Decimal(position["price"]) + 50_000)
    close = {
        "symbol": "BTC_JPY",
        "side": "SELL",
        "executionType": "MARKET",
        "settlePosition": [{"positionId": position["positionId"], "size": "0.01"}],
    }
    envelope = (await api.send("POST", "/v1/closeOrder", close)).json()
    assert envelope["status"] == 0
    (closing,) = (await api.data("/v1/executions", orderId=envelope["data"]))["list"]
    assert closing["settleType"] == "CLOSE"
    assert Decimal(closing["lossGain"]) > 0
    bulk = {"symbol": "BTC_JPY", "side": "SELL", "executionType": "MARKET", "size": "0.01"}
    assert (await api.send("POST", "/v1/closeBulkOrder", bulk)).json()["status"] == 0
    assert await api.data("/v1/openPositions", symbol="BTC_JPY") == {}
    (assets,) = await api.data("/v1/account/assets")
    assert assets["symbol"] == "JPY"
    assert Decimal(assets["amount"]) > Decimal("10000000")
    assert [o.get("settlePosition") is not None for o in sim.received_orders] == [False, True, False]
    assert sim.received_orders[0] == {
        "symbol": "BTC_JPY",
        "side": "BUY",
        "executionType": "MARKET",
        "size": "0.02",
    }


async def test_limit_order_rests_cancels_and_fills(sim: Simulator, api: Any) -> None:
    ticker = (await api.public("/v1/ticker", symbol="BTC_JPY")).json()["data"][0]
    low = str(int(Decimal(ticker["bid"])) - 100_000)
    first = await api.order(symbol="BTC_JPY", side="BUY", executionType="LIMIT", price=low, size="0.01")
    second = await api.order(symbol="BTC_JPY", side="BUY", executionType="LIMIT", price=low, size="0.01")
    active = (await api.data("/v1/activeOrders", symbol="BTC_JPY"))["list"]
    assert {o["orderId"] for o in active} == {first, second}
    assert all(o["status"] == "ORDERED" and o["timeInForce"] == "FAS" for o in active)
    assert (await api.send("POST", "/v1/cancelOrder", {"orderId": first})).json()["status"] == 0
    await sim.set_price("BTC_JPY", Decimal(low) - 50_000)
    (order,) = (await api.data("/v1/orders", orderId=f"{first},{second}"))["list"][1:]
    assert order["status"] == "EXECUTED"
    (position,) = (await api.data("/v1/openPositions", symbol="BTC_JPY"))["list"]
    assert position["price"] == low
    third = await api.order(
        symbol="BTC_JPY", side="SELL", executionType="LIMIT", price="99999999", size="0.01"
    )
    envelope = (await api.send("POST", "/v1/cancelBulkOrder", {"symbols": ["BTC_JPY"]})).json()
    assert envelope["data"] == [third]
