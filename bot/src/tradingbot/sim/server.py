"""HTTP and WebSocket routes: GMO's envelope, auth, limits and faults in front of the exchange."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from tradingbot.sim.auth import AuthError, verify
from tradingbot.sim.exchange import ExchangeError, PrivateEvent, level_view, ticker_view, trade_view
from tradingbot.sim.hub import Connection
from tradingbot.sim.tokens import TokenError
from tradingbot.sim.wire import error, num, ok

if TYPE_CHECKING:
    from tradingbot.sim.simulator import Simulator

log = logging.getLogger(__name__)

JSON = "application/json"
CREATES = frozenset({"/v1/order", "/v1/closeOrder", "/v1/closeBulkOrder"})
PUBLIC_CHANNELS = ("ticker", "orderbooks", "trades")
PRIVATE_CHANNELS = ("executionEvents", "orderEvents", "positionEvents", "positionSummaryEvents")

Params = Mapping[str, Any]
Result = tuple[Any, list[PrivateEvent]]


class BadRequestError(ExchangeError):
    def __init__(self, detail: str) -> None:
        super().__init__("ERR-5106", detail)


# ------------------------------------------------------------------ parameter parsing
def _text(params: Params, name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise BadRequestError(f"{name} is required")
        return None
    if not isinstance(value, str) or not value:
        raise BadRequestError(f"{name}={value!r} must be a non-empty string")
    return value


def _decimal(params: Params, name: str, *, required: bool = True) -> Decimal | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise BadRequestError(f"{name} is required")
        return None
    # GMO numbers travel as strings; a JSON number here is a client bug worth surfacing.
    if not isinstance(raw, str):
        raise BadRequestError(f'{name}={raw!r} must be a decimal string such as "0.01"')
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadRequestError(f"{name}={raw!r} is not a decimal number") from None
    if not value.is_finite():
        raise BadRequestError(f"{name}={raw!r} is not a finite number")
    return value


def _int(raw: Any, name: str) -> int:
    if isinstance(raw, bool):
        raise BadRequestError(f"{name}={raw!r} must be an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    raise BadRequestError(f"{name}={raw!r} must be an integer")


def _ids(params: Params, name: str) -> list[int]:
    raw = _text(params, name)
    assert raw is not None
    return [_int(part.strip(), name) for part in raw.split(",")]


def _limit_terms(params: Params) -> tuple[Decimal | None, str | None]:
    """price and timeInForce of an order entry (both optional)."""
    return _decimal(params, "price", required=False), _text(params, "timeInForce", required=False)


def _page(params: Params) -> tuple[int, int]:
    page = _int(params.get("page", "1"), "page")
    count = _int(params.get("count", "100"), "count")
    if page < 1 or not 1 <= count <= 100:
        raise BadRequestError(f"page={page} count={count}; page >= 1 and 1 <= count <= 100")
    return page, count


def _paginated(
    items: list[dict[str, Any]], params: Params, *, empty_as_object: bool = True
) -> dict[str, Any]:
    page, count = _page(params)
    chunk = items[(page - 1) * count : page * count]
    if not chunk and empty_as_object:
        return {}  # GMO answers "data": {} when a list would be empty
    return {"pagination": {"currentPage": page, "count": count}, "list": chunk}


class SimServer:
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
    def _json(self, body: bytes, status: int = 200) -> web.Response:
        return web.Response(body=body, status=status, content_type=JSON)

    def _ok(self, data: Any) -> web.Response:
        return self._json(ok(data, self.sim.now()))

    def _err(self, code: str, detail: str | None = None, status: int = 200) -> web.Response:
        return self._json(error(code, self.sim.now(), detail), status)

    async def _delay(self) -> None:
        if self.sim.faults.latency_ms > 0:
            await asyncio.sleep(self.sim.faults.latency_ms / 1000)

    def _injected(self) -> web.Response | None:
        faults = self.sim.faults
        if faults.take("http_5xx_next"):
            # The request is not executed: the failure happens before the exchange sees it.
            return web.Response(status=503, text="503 Service Unavailable (injected)")
        return None

    def _market(self, params: Params) -> str:
        symbol = _text(params, "symbol")
        assert symbol is not None
        if symbol not in self.sim.exchange.markets:
            raise BadRequestError(f"symbol={symbol!r}; served: {sorted(self.sim.exchange.markets)}")
        return symbol

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

    def get_orders(self, key: str, params: Params) -> Result:
        ids = _ids(params, "orderId")
        if len(ids) > 10:
            raise BadRequestError(f"{len(ids)} orderIds; at most 10 per request")
        orders = self.sim.exchange.orders
        return {"list": [orders[i].view() for i in ids if i in orders and orders[i].api_key == key]}, []

    def get_active_orders(self, key: str, params: Params) -> Result:
        symbol = self._market(params)
        active = [
            o.view()
            for o in reversed(self.sim.exchange.active.values())
            if o.api_key == key and o.symbol == symbol
        ]
        return _paginated(active, params), []

    def get_executions(self, key: str, params: Params) -> Result:
        executions = self.sim.exchange.executions
        if "orderId" in params:
            order_id = _int(params["orderId"], "orderId")
            found = [e for e in executions.values() if e.order.order_id == order_id]
        elif "executionId" in params:
            wanted = _ids(params, "executionId")
            found = [executions[i] for i in wanted if i in executions]
        else:
            raise BadRequestError("give orderId or executionId")
        return {"list": [e.view() for e in found if e.order.api_key == key]}, []

    def get_latest_executions(self, key: str, params: Params) -> Result:
        symbol = self._market(params)
        page, count = _page(params)
        found = self.sim.exchange.latest_executions(key, symbol, page * count)
        return _paginated([e.view() for e in found], params), []

    def get_open_positions(self, key: str, params: Params) -> Result:
        symbol = self._market(params)
        exchange = self.sim.exchange
        return _paginated(
            [exchange.position_view(p) for p in exchange.open_positions(key, symbol)], params
        ), []

    def get_position_summary(self, key: str, params: Params) -> Result:
        symbols = [self._market(params)] if "symbol" in params else list(self.sim.exchange.markets)
        return {"list": [v for s in symbols for v in self.sim.exchange.summaries(key, s)]}, []

    # Order entries read symbol, side, executionType, then size, then price and timeInForce: a request
    # with several bad fields always reports the same one first.
    def _order_terms(self, params: Params) -> tuple[str, str, str]:
        """symbol, side and executionType of an order entry."""
        return self._market(params), _text(params, "side") or "", _text(params, "executionType") or ""

    def post_order(self, key: str, params: Params) -> Result:
        if params.get("settleType") not in (None, "OPEN"):
            raise BadRequestError(
                "POST /v1/order opens positions; close with /v1/closeOrder or /v1/closeBulkOrder"
            )
        symbol, side, execution_type = self._order_terms(params)
        size = _decimal(params, "size") or Decimal(0)
        order, events = self.sim.exchange.place_order(
            key, symbol, side, execution_type, size, *_limit_terms(params)
        )
        return str(order.order_id), events

    def post_close_order(self, key: str, params: Params) -> Result:
        raw = params.get("settlePosition")
        if not isinstance(raw, list) or not all(isinstance(p, dict) for p in raw):
            raise BadRequestError("settlePosition must be a list of {positionId, size}")
        settle: list[tuple[int, Decimal]] = []
        for item in raw:
            size = _decimal(item, "size")
            assert size is not None
            settle.append((_int(item.get("positionId"), "positionId"), size))
        symbol, side, execution_type = self._order_terms(params)
        order, events = self.sim.exchange.close_order(
            key, symbol, side, execution_type, settle, *_limit_terms(params)
        )
        return str(order.order_id), events

    def post_close_bulk(self, key: str, params: Params) -> Result:
        symbol, side, execution_type = self._order_terms(params)
        size = _decimal(params, "size") or Decimal(0)
        order, events = self.sim.exchange.close_bulk_order(
            key, symbol, side, execution_type, size, *_limit_terms(params)
        )
        return str(order.order_id), events

    def post_cancel_order(self, key: str, params: Params) -> Result:
        events = self.sim.exchange.cancel_order(key, _int(params.get("orderId"), "orderId"))
        return None, events

    def post_cancel_bulk(self, key: str, params: Params) -> Result:
        symbols = params.get("symbols")
        if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) for s in symbols):
            raise BadRequestError(f"symbols={symbols!r} must be a non-empty list of symbol strings")
        ids, events = self.sim.exchange.cancel_bulk(
            key, symbols, _text(params, "side", required=False), _text(params, "settleType", required=False)
        )
        return ids, events

    def post_ws_auth(self, key: str, params: Params) -> Result:
        return self.sim.tokens.create(key), []

    def put_ws_auth(self, key: str, params: Params) -> Result:
        self.sim.tokens.extend(key, _text(params, "token") or "")
        return None, []

    def delete_ws_auth(self, key: str, params: Params) -> Result:
        token = _text(params, "token") or ""
        self.sim.tokens.delete(key, token)
        self.sim.hub.drop_tokens({token})
        return None, []

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
    async def _admin_body(self, request: web.Request) -> dict[str, Any]:
        try:
            parsed = orjson.loads(await request.read() or b"{}")
        except orjson.JSONDecodeError:
            raise web.HTTPBadRequest(text='{"error": "body is not JSON"}', content_type=JSON) from None
        if not isinstance(parsed, dict):
            raise web.HTTPBadRequest(text='{"error": "body must be a JSON object"}', content_type=JSON)
        return parsed

    @staticmethod
    def _admin_error(message: str) -> web.Response:
        return web.Response(body=orjson.dumps({"error": message}), status=400, content_type=JSON)

    async def admin_state(self, request: web.Request) -> web.Response:
        return self._json(orjson.dumps(self.sim.state()))

    async def admin_orders(self, request: web.Request) -> web.Response:
        return self._json(orjson.dumps({"orders": self.sim.received_orders}))

    async def admin_faults(self, request: web.Request) -> web.Response:
        try:
            self.sim.faults.update(await self._admin_body(request))
        except ValueError as exc:
            return self._admin_error(str(exc))
        return self._json(orjson.dumps(self.sim.faults.as_dict()))

    async def admin_faults_reset(self, request: web.Request) -> web.Response:
        self.sim.faults.reset()
        return self._json(orjson.dumps(self.sim.faults.as_dict()))

    async def admin_drop_ws(self, request: web.Request) -> web.Response:
        self.sim.faults.drop_ws()
        return self._json(b'{"ok": true}')

    async def admin_expire_tokens(self, request: web.Request) -> web.Response:
        self.sim.faults.expire_ws_tokens()
        return self._json(b'{"ok": true}')

    async def admin_price(self, request: web.Request) -> web.Response:
        body = await self._admin_body(request)
        try:
            price = Decimal(str(body.get("price")))
            await self.sim.set_price(str(body.get("symbol")), price)
        except (ValueError, InvalidOperation) as exc:
            return self._admin_error(f"bad price request {body!r}: {exc}")
        return self._json(orjson.dumps(self.sim.state()["prices"]))

    async def admin_step(self, request: web.Request) -> web.Response:
        body = await self._admin_body(request)
        n = body.get("n", 1)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1_000_000:
            return self._admin_error(f"n={n!r}; accepted: an integer from 1 to 1000000")
        await self.sim.step(n)
        return self._json(orjson.dumps({"step": self.sim.prices.step_count}))
