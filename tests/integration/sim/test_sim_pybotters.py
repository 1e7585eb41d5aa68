"""pybotters, a GMO client the team did not write, trades against the simulator and consumes its streams.

pybotters signs the requests (its own GMO signer) and its GMOCoinDataStore reads the public and private
streams; after every step the stores must hold what the simulator's REST endpoints answer. pybotters is
the independent reference: where they disagree the simulator is wrong unless GMO's docs say otherwise.

pybotters picks its signer by host name; registering the loopback host as "gmocoin" is the one piece of
set-up a pybotters user needs to point it at the simulator (see README, "The simulator as a GMO testnet").
Its GMOCoinHelper and its DataStore's ws-auth initialisation are not used: both call api.coin.z.com.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pybotters
import pytest
from pybotters.auth import Auth, Hosts, Item
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, Simulator

# pybotters 1.11 passes aiohttp's deprecated `auth=` on every request; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning")

SYMBOL = "BTC_JPY"
PRIVATE_CHANNELS = ("executionEvents", "orderEvents", "positionEvents", "positionSummaryEvents")


@dataclass
class Gmo:
    sim: Simulator
    client: pybotters.Client
    store: pybotters.GMOCoinDataStore

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.client.request(method, self.sim.urls.private_rest + path, **kwargs) as response:
            envelope = await response.json()
        assert envelope["status"] == 0, (method, path, envelope)
        return envelope.get("data")

    async def order(self, **data: Any) -> int:
        return int(await self.call("POST", "/v1/order", data=data))

    async def rest_list(self, path: str, **params: str) -> list[dict[str, Any]]:
        data = await self.call("GET", path, params=params)
        return list(data.get("list", [])) if data else []


@pytest.fixture
async def gmo(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gmo]:
    host = sim.urls.base.split("//")[1].rsplit(":", 1)[0]
    monkeypatch.setitem(Hosts.items, host, Item("gmocoin", Auth.gmocoin))
    async with pybotters.Client(apis={"gmocoin": [PAPER_API_KEY, PAPER_API_SECRET]}) as client:
        yield Gmo(sim, client, pybotters.GMOCoinDataStore())


def _subscribed(sim: Simulator, count: int) -> Callable[[], bool]:
    return lambda: sum(len(c.subs) for c in sim.hub.connections) == count


def _pick(item: dict[str, Any], fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(item.get(f) for f in fields)


async def test_public_streams_fill_pybotters_stores(gmo: Gmo, until: Any) -> None:
    sim, store = gmo.sim, gmo.store
    subscribe = [
        {"command": "subscribe", "channel": c, "symbol": SYMBOL} for c in ("ticker", "orderbooks", "trades")
    ]
    app = gmo.client.ws_connect(sim.urls.public_ws, send_json=subscribe, hdlr_json=store.onmessage)
    await app
    await until(_subscribed(sim, 3))
    await sim.step(30)
    await until(lambda: len(store.trades) > 0 and store.ticker.get({"symbol": SYMBOL}) is not None)

    async with gmo.client.get(sim.urls.public_rest + "/v1/ticker", params={"symbol": SYMBOL}) as r:
        (rest_ticker,) = (await r.json())["data"]
    fields = ("ask", "bid", "high", "last", "low", "volume", "symbol")
    await until(
        lambda: _pick(store.ticker.get({"symbol": SYMBOL}) or {}, fields) == _pick(rest_ticker, fields)
    )

    async with gmo.client.get(sim.urls.public_rest + "/v1/orderbooks", params={"symbol": SYMBOL}) as r:
        rest_book = (await r.json())["data"]

    def book_matches() -> bool:
        stored = store.orderbooks.sorted({"symbol": SYMBOL})
        return all(
            [(lv["price"], lv["size"]) for lv in stored[side]]
            == [(lv["price"], lv["size"]) for lv in rest_book[side]]
            for side in ("asks", "bids")
        )

    await until(book_matches)

    async with gmo.client.get(sim.urls.public_rest + "/v1/trades", params={"symbol": SYMBOL}) as r:
        rest_trades = (await r.json())["data"]["list"]  # newest first
    stream_trades = store.trades.find()
    assert stream_trades, "trades were published"
    # Everything streamed since the subscription is the newest part of the REST history, in order.
    newest = list(reversed(rest_trades[: len(stream_trades)]))
    trade_fields = ("price", "side", "size", "timestamp")
    assert [_pick(t, trade_fields) for t in stream_trades] == [_pick(t, trade_fields) for t in newest]
    assert all(t["symbol"] == SYMBOL for t in stream_trades)


async def test_private_streams_fill_pybotters_stores(gmo: Gmo, until: Any) -> None:
    sim, store = gmo.sim, gmo.store
    token = await gmo.call("POST", "/v1/ws-auth")  # signed by pybotters
    assert isinstance(token, str)
    subscribe = [{"command": "subscribe", "channel": c} for c in PRIVATE_CHANNELS]
    app = gmo.client.ws_connect(
        f"{sim.urls.private_ws}/{token}", send_json=subscribe, hdlr_json=store.onmessage
    )
    await app
    await until(_subscribed(sim, len(PRIVATE_CHANNELS)))

    async def orders_match() -> None:
        rest = await gmo.rest_list("/v1/activeOrders", symbol=SYMBOL)
        expected = {o["orderId"]: o["price"] for o in rest}
        await until(lambda: {o["orderId"]: o["orderPrice"] for o in store.orders.find()} == expected)

    async def positions_match() -> None:
        rest = await gmo.rest_list("/v1/openPositions", symbol=SYMBOL)
        fields = ("positionId", "symbol", "side", "size", "orderdSize", "price", "leverage", "losscutPrice")
        expected = sorted(_pick(p, fields) for p in rest)
        await until(lambda: sorted(_pick(p, fields) for p in store.positions.find()) == expected)
        summary = await gmo.rest_list("/v1/positionSummary", symbol=SYMBOL)
        sfields = ("symbol", "side", "averagePositionRate", "sumPositionQuantity", "sumOrderQuantity")
        by_side = {s["side"]: _pick(s, sfields) for s in summary}

        def summary_matches() -> bool:
            for row in store.position_summary.find():
                # A side with no position streams zeros; REST leaves it out.
                if row["sumPositionQuantity"] == "0":
                    if row["side"] in by_side:
                        return False
                elif by_side.get(row["side"]) != _pick(row, sfields):
                    return False
            return {
                r["side"] for r in store.position_summary.find() if r["sumPositionQuantity"] != "0"
            } == set(by_side)

        await until(summary_matches)

    # A resting order, then changed: the store follows NOR then ROR.
    resting = await gmo.order(symbol=SYMBOL, side="BUY", executionType="LIMIT", price="1000", size="0.01")
    await orders_match()
    await gmo.call("POST", "/v1/changeOrder", data={"orderId": resting, "price": "1200"})
    await orders_match()
    assert store.orders.get({"orderId": resting})["orderPrice"] == "1200"

    # A market order: executions, a position and the summary.
    filled = await gmo.order(symbol=SYMBOL, side="BUY", executionType="MARKET", size="0.03")
    rest_executions = await gmo.rest_list("/v1/executions", orderId=str(filled))
    assert rest_executions
    efields = ("executionId", "orderId", "positionId", "symbol", "side", "settleType", "lossGain", "fee")

    def executions_match() -> bool:
        streamed = {e["executionId"]: e for e in store.executions.find({"orderId": filled})}
        return all(
            eid in streamed
            and _pick(streamed[eid], efields) == _pick(e, efields)
            and (streamed[eid]["executionPrice"], streamed[eid]["executionSize"]) == (e["price"], e["size"])
            for eid, e in ((e["executionId"], e) for e in rest_executions)
        ) and len(streamed) == len(rest_executions)

    await until(executions_match)
    await orders_match()  # the filled market order never rests
    await positions_match()

    # Partial close, a losscut change, then the rest closed; the resting order cancelled.
    (position,) = await gmo.rest_list("/v1/openPositions", symbol=SYMBOL)
    settle = [{"positionId": position["positionId"], "size": "0.01"}]
    await gmo.call(
        "POST",
        "/v1/closeOrder",
        data={"symbol": SYMBOL, "side": "SELL", "executionType": "MARKET", "settlePosition": settle},
    )
    await positions_match()
    await gmo.call(
        "POST", "/v1/changeLosscutPrice", data={"positionId": position["positionId"], "losscutPrice": "1000"}
    )
    await positions_match()
    assert store.positions.get({"positionId": position["positionId"]})["losscutPrice"] == "1000"
    await gmo.call(
        "POST",
        "/v1/closeBulkOrder",
        data={"symbol": SYMBOL, "side": "SELL", "executionType": "MARKET", "size": "0.02"},
    )
    await positions_match()
    assert store.positions.find() == []
    await gmo.call("POST", "/v1/cancelOrders", data={"orderIds": [resting]})
    await orders_match()
    assert store.orders.find() == []
    assert sim.tokens.count(PAPER_API_KEY) == 1
