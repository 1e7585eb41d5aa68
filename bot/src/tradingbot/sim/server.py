"""HTTP and WebSocket routes: GMO's envelope, auth, limits and faults in front of the exchange.

The public REST endpoints, the private dispatch (auth, limits, faults) and the WebSocket live here; the
private endpoints' bodies are in :mod:`.private_api`, the admin endpoints in :mod:`.admin`, the parameter
parsing and the envelope in :mod:`.envelope`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from tradingbot.sim.admin import AdminRoutes
from tradingbot.sim.auth import AuthError, verify
from tradingbot.sim.envelope import (
    CREATES,
    PRIVATE_CHANNELS,
    PUBLIC_CHANNELS,
    Params,
    Result,
    _paginated,
)
from tradingbot.sim.exchange import ExchangeError, level_view, ticker_view, trade_view
from tradingbot.sim.hub import Connection
from tradingbot.sim.private_api import PrivateRoutes
from tradingbot.sim.tokens import TokenError
from tradingbot.sim.wire import num

if TYPE_CHECKING:
    from tradingbot.sim.simulator import Simulator

log = logging.getLogger(__name__)


class SimServer(PrivateRoutes, AdminRoutes):
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.stopping = asyncio.Event()
        self.held = 0  # accept-then-timeout requests still waiting for their client to give up
        self.app = web.Application()
        self.app.router.add_route("*", "/public/{tail:.*}", self.public)
        self.app.router.add_route("*", "/private/{tail:.*}", self.private)
        self.app.router.add_get("/ws/public/v1", self.ws_public)
        self.app.router.add_get("/ws/private/v1/{token}", self.ws_private)
        self.app.router.add_get("/admin/state", self.admin_state)
        self.app.router.add_get("/admin/orders", self.admin_orders)
        self.app.router.add_post("/admin/faults", self.admin_faults)
        self.app.router.add_post("/admin/faults/reset", self.admin_faults_reset)
        self.app.router.add_post("/admin/drop-ws", self.admin_drop_ws)
        self.app.router.add_post("/admin/expire-ws-tokens", self.admin_expire_tokens)
        self.app.router.add_post("/admin/price", self.admin_price)
        self.app.router.add_post("/admin/step", self.admin_step)
        self.public_routes: dict[str, Callable[[Params], Any]] = {
            "/v1/status": self.get_status,
            "/v1/ticker": self.get_ticker,
            "/v1/orderbooks": self.get_orderbooks,
            "/v1/trades": self.get_trades,
            "/v1/symbols": self.get_symbols,
        }
        self.private_routes: dict[tuple[str, str], Callable[[str, Params], Result]] = {
            ("GET", "/v1/account/margin"): lambda key, p: (self.sim.exchange.margin_view(key), []),
            ("GET", "/v1/account/assets"): lambda key, p: (self.sim.exchange.assets_view(key), []),
            ("GET", "/v1/orders"): self.get_orders,
            ("GET", "/v1/activeOrders"): self.get_active_orders,
            ("GET", "/v1/executions"): self.get_executions,
            ("GET", "/v1/latestExecutions"): self.get_latest_executions,
            ("GET", "/v1/openPositions"): self.get_open_positions,
            ("GET", "/v1/positionSummary"): self.get_position_summary,
            ("POST", "/v1/order"): self.post_order,
            ("POST", "/v1/cancelOrder"): self.post_cancel_order,
            ("POST", "/v1/cancelBulkOrder"): self.post_cancel_bulk,
            ("POST", "/v1/closeOrder"): self.post_close_order,
            ("POST", "/v1/closeBulkOrder"): self.post_close_bulk,
            ("POST", "/v1/ws-auth"): self.post_ws_auth,
            ("PUT", "/v1/ws-auth"): self.put_ws_auth,
            ("DELETE", "/v1/ws-auth"): self.delete_ws_auth,
        }

    # ------------------------------------------------------------------ envelope helpers
    async def _delay(self) -> None:
        if self.sim.faults.latency_ms > 0:
            await asyncio.sleep(self.sim.faults.latency_ms / 1000)

    def _injected(self) -> web.Response | None:
        faults = self.sim.faults
        if faults.take("http_5xx_next"):
            # The request is not executed: the failure happens before the exchange sees it.
            return web.Response(status=503, text="503 Service Unavailable (injected)")
        return None

    # ------------------------------------------------------------------ public REST
    async def public(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        route = self.public_routes.get(path)
        if route is None or request.method != "GET":
            return self._err("ERR-5106", f"no public endpoint {request.method} {path}", status=404)
        injected = self._injected()
        if injected is not None:
            return injected
        faults = self.sim.faults
        if faults.take("rate_limit_next"):
            return self._err("ERR-5003")
        if faults.maintenance in ("ERR-5201", "ERR-5202") and path != "/v1/status":
            return self._err(faults.maintenance)
        try:
            data = route(request.query)
        except ExchangeError as exc:
            return self._err(exc.code, exc.detail)
        await self._delay()
        return self._ok(data)

    def get_status(self, params: Params) -> Any:
        code = self.sim.faults.maintenance
        status = {None: "OPEN", "ERR-5203": "PREOPEN"}.get(code, "MAINTENANCE")
        return {"status": status}

    def get_ticker(self, params: Params) -> Any:
        now = self.sim.now()
        symbols = [self._market(params)] if "symbol" in params else list(self.sim.exchange.markets)
        return [ticker_view(self.sim.exchange.markets[s], now) for s in symbols]

    def get_orderbooks(self, params: Params) -> Any:
        market = self.sim.exchange.markets[self._market(params)]
        return {"asks": level_view(market.asks), "bids": level_view(market.bids), "symbol": market.symbol}

    def get_trades(self, params: Params) -> Any:
        market = self.sim.exchange.markets[self._market(params)]
        trades = [trade_view(t) for t in reversed(market.trades)]
        page = _paginated(trades, params, empty_as_object=False)
        return page

    def get_symbols(self, params: Params) -> Any:
        return [
            {
                "symbol": spec.symbol,
                "minOrderSize": num(spec.min_order_size),
                "maxOrderSize": num(spec.max_order_size),
                "sizeStep": num(spec.size_step),
                "tickSize": num(spec.tick_size),
                "takerFee": num(spec.taker_fee),
                "makerFee": num(spec.maker_fee),
            }
            for spec in (self.sim.exchange.specs[s] for s in self.sim.exchange.markets)
        ]

    # ------------------------------------------------------------------ private REST
    async def private(self, request: web.Request) -> web.StreamResponse:
        sim = self.sim
        path = "/" + request.match_info["tail"]
        method = request.method
        body = await request.text()
        route = self.private_routes.get((method, path))
        if route is None:
            return self._err("ERR-5106", f"no private endpoint {method} {path}", status=404)
        injected = self._injected()
        if injected is not None:
            return injected
        try:
            key = verify(
                request.headers,
                method,
                path,
                body,
                sim.config.credentials,
                time.time_ns() // 1_000_000,
                sim.config.timestamp_tolerance_ms,
            )
        except AuthError as exc:
            return self._err(exc.code, exc.detail)
        faults = sim.faults
        if faults.take("rate_limit_next") or not sim.limiter.allow(key, method):
            return self._err("ERR-5003")
        if faults.maintenance in ("ERR-5201", "ERR-5202") or (
            faults.maintenance == "ERR-5203" and method != "GET"
        ):
            return self._err(faults.maintenance)
        params: Params
        if method == "GET":
            params = request.query
        else:
            try:
                parsed = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError:
                return self._err("ERR-5106", "request body is not valid JSON")
            if not isinstance(parsed, dict):
                return self._err("ERR-5106", "request body must be a JSON object")
            params = parsed
        try:
            data, events = route(key, params)
        except (ExchangeError, TokenError) as exc:
            return self._err(exc.code, exc.detail)
        sim.dispatch(events)
        if path in CREATES:
            sim.received_orders.append(dict(params))
            if faults.take("accept_then_timeout_next"):
                await self._hold(request)
                # The client is gone; whatever is written now is discarded with the connection.
                return web.Response(status=504)
        await self._delay()
        return self._ok(data)

    async def _hold(self, request: web.Request) -> None:
        """Keep an executed request unanswered until its client gives up (or the simulator stops)."""
        self.held += 1
        try:
            while not self.stopping.is_set():
                transport = request.transport
                if transport is None or transport.is_closing():
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), 0.02)
            if request.transport is not None:
                request.transport.close()
        finally:
            self.held -= 1

    # ------------------------------------------------------------------ WebSocket
    async def ws_public(self, request: web.Request) -> web.StreamResponse:
        return await self._serve_ws(request, "public", None, None)

    async def ws_private(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        owner = self.sim.tokens.owner(token)
        if owner is None:
            return self._err("ERR-5106", "WS token is unknown or expired", status=401)
        return await self._serve_ws(request, "private", owner, token)

    async def _serve_ws(
        self, request: web.Request, kind: str, api_key: str | None, token: str | None
    ) -> web.StreamResponse:
        # Pings are ours (not aiohttp's heartbeat) so a stalled server can also stop pinging.
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        hub = self.sim.hub
        conn = hub.open(ws, kind, api_key, token)
        conn.last_ping = time.monotonic()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._command(conn, msg.data)
                elif msg.type == WSMsgType.PING:
                    await ws.pong(msg.data)
                elif msg.type == WSMsgType.PONG:
                    conn.missed_pings = 0
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            await hub.close(conn)
        return ws

    def _ws_error(self, conn: Connection, code: str, detail: str) -> None:
        self.sim.hub.send(conn, orjson.dumps({"error": f"{code} {detail}"}).decode())

    def _command(self, conn: Connection, text: str) -> None:
        try:
            msg = orjson.loads(text)
        except orjson.JSONDecodeError:
            self._ws_error(conn, "ERR-5106", "message is not JSON")
            return
        if not isinstance(msg, dict) or msg.get("command") not in ("subscribe", "unsubscribe"):
            self._ws_error(conn, "ERR-5106", "command must be subscribe or unsubscribe")
            return
        now = time.monotonic()
        if now - conn.last_command < self.sim.config.ws_subscribe_interval:
            self._ws_error(conn, "ERR-5003", "Request too many.")
            return
        conn.last_command = now
        channel = msg.get("channel")
        if conn.kind == "public":
            symbol = msg.get("symbol")
            if channel not in PUBLIC_CHANNELS:
                self._ws_error(conn, "ERR-5106", f"channel={channel!r}; accepted: {list(PUBLIC_CHANNELS)}")
                return
            if not isinstance(symbol, str) or symbol not in self.sim.exchange.markets:
                self._ws_error(
                    conn, "ERR-5106", f"symbol={symbol!r}; served: {sorted(self.sim.exchange.markets)}"
                )
                return
        else:
            symbol = ""
            if channel not in PRIVATE_CHANNELS:
                self._ws_error(conn, "ERR-5106", f"channel={channel!r}; accepted: {list(PRIVATE_CHANNELS)}")
                return
        assert isinstance(channel, str)
        if msg["command"] == "unsubscribe":
            self.sim.hub.unsubscribe(conn, channel, symbol)
            if channel == "positionSummaryEvents":
                conn.periodic = False
            return
        self.sim.hub.subscribe(conn, channel, symbol)
        if channel == "positionSummaryEvents":
            conn.periodic = msg.get("option") == "PERIODIC"
            self.sim.send_summaries(conn, "INIT")

    # ------------------------------------------------------------------ admin
