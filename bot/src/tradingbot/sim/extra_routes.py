"""GMO endpoints and admin views added on top of the core routes in `server.py`.

klines, account/tradingVolume, changeOrder, cancelOrders and changeLosscutPrice (issue 18), the
per-key WS token count for tests and operators, and GMO's number grammar in front of every route
(issue 13). They are registered into the `SimServer`'s route tables, so they go through the same
envelope, auth, rate limits, maintenance and fault handling as every other endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from tradingbot.sim import amend, klines
from tradingbot.sim.exchange import ExchangeError, PrivateEvent
from tradingbot.sim.grammar import check_integer, guarded, parse_decimal

if TYPE_CHECKING:
    from tradingbot.sim.server import SimServer
    from tradingbot.sim.simulator import Simulator

Params = Mapping[str, Any]
Result = tuple[Any, list[PrivateEvent]]


def _symbol(sim: Simulator, params: Params) -> str:
    symbol = params.get("symbol")
    if not isinstance(symbol, str) or symbol not in sim.exchange.markets:
        raise ExchangeError("ERR-5106", f"symbol={symbol!r}; served: {sorted(sim.exchange.markets)}")
    return symbol


def _required_text(params: Params, name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise ExchangeError("ERR-5106", f"{name}={value!r}; a non-empty string is required")
    return value


def _id(params: Params, name: str) -> int:
    raw = params.get(name)
    if raw is None:
        raise ExchangeError("ERR-5106", f"{name} is required")
    check_integer(name, raw)
    if isinstance(raw, str) and "," in raw:
        raise ExchangeError("ERR-5106", f"{name}={raw!r}; give one id")
    return int(raw)


class ExtraRoutes:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    # ------------------------------------------------------------------ public
    def get_klines(self, params: Params) -> Any:
        symbol = _symbol(self.sim, params)
        interval = _required_text(params, "interval")
        date = _required_text(params, "date")
        return klines.candles(self.sim.exchange.markets[symbol].trades, interval, date)

    # ------------------------------------------------------------------ private
    def get_trading_volume(self, key: str, params: Params) -> Result:
        # GMO's tier 2 is the 30-a-second limit; anything below counts as tier 1.
        tier = 2 if self.sim.config.get_per_second >= 30 else 1
        return amend.trading_volume(self.sim.exchange, key, tier), []

    def post_change_order(self, key: str, params: Params) -> Result:
        order_id = _id(params, "orderId")
        price = parse_decimal("price", params.get("price"))
        losscut = params.get("losscutPrice")
        events = amend.change_order(
            self.sim.exchange,
            key,
            order_id,
            price,
            None if losscut is None else parse_decimal("losscutPrice", losscut),
        )
        return None, events

    def post_cancel_orders(self, key: str, params: Params) -> Result:
        raw = params.get("orderIds")
        if not isinstance(raw, list):
            raise ExchangeError("ERR-5106", f"orderIds={raw!r}; give a list of 1 to 10 order ids")
        ids = []
        for value in raw:
            check_integer("orderIds", value)
            ids.append(int(value))
        result, events = amend.cancel_orders(self.sim.exchange, key, ids)
        return result.view(), events

    def post_change_losscut(self, key: str, params: Params) -> Result:
        position_id = _id(params, "positionId")
        losscut = parse_decimal("losscutPrice", params.get("losscutPrice"))
        return None, amend.change_losscut_price(self.sim.exchange, key, position_id, losscut)

    # ------------------------------------------------------------------ admin
    async def admin_ws_tokens(self, request: web.Request) -> web.Response:
        """Live WS tokens: per account (numbered, keys never shown) or, given API-KEY, for that key."""
        tokens = self.sim.tokens
        counts = tokens.counts()
        body: dict[str, Any] = {
            "total": sum(counts.values()),
            "max_per_key": tokens.max_per_key,
            "evictions": tokens.evictions,
            "accounts": {
                f"account-{index}": counts.get(key, 0)
                for index, key in enumerate(self.sim.exchange.accounts, start=1)
            },
        }
        key = request.headers.get("API-KEY")
        if key is not None:
            body["count"] = counts.get(key, 0)
        return web.Response(body=orjson.dumps(body), content_type="application/json")


def register(server: SimServer) -> ExtraRoutes:
    """Add the endpoints to `server` and put GMO's number grammar in front of every route."""
    extra = ExtraRoutes(server.sim)
    server.public_routes["/v1/klines"] = extra.get_klines
    server.private_routes.update(
        {
            ("GET", "/v1/account/tradingVolume"): extra.get_trading_volume,
            ("POST", "/v1/changeOrder"): extra.post_change_order,
            ("POST", "/v1/cancelOrders"): extra.post_cancel_orders,
            ("POST", "/v1/changeLosscutPrice"): extra.post_change_losscut,
        }
    )
    for path, public in list(server.public_routes.items()):
        server.public_routes[path] = guarded(public)
    for route, private in list(server.private_routes.items()):
        server.private_routes[route] = guarded(private)
    server.app.router.add_get("/admin/ws-tokens", extra.admin_ws_tokens)
    return extra
