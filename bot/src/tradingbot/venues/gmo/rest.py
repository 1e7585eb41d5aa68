"""The REST client: signing, envelope parsing, error mapping, budgets, and retries only where safe.

Reads are retried (backoff + full jitter) on network errors, 5xx and ERR-5003. Order, close and cancel sends
are never retried: once the body may have left, a timeout, a reset or a 5xx raises OutcomeUnknown carrying
what was sent, and the caller resolves it from active orders / executions / positions.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx
import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

from tradingbot.venues.gmo.auth import Credentials, signed_headers, timestamp_ms
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import (
    ErrorCategory,
    GmoError,
    InvalidOrder,
    OutcomeUnknown,
    SentRequest,
    category_for_codes,
    category_for_http_status,
)
from tradingbot.venues.gmo.models import (
    Asset,
    ExchangeStatus,
    Execution,
    ExecutionList,
    ExecutionType,
    Margin,
    Order,
    OrderBook,
    OrderList,
    OrderRequest,
    Page,
    Position,
    PositionList,
    PositionSummary,
    PositionSummaryList,
    SettlePosition,
    SettleType,
    Side,
    StatusInfo,
    SymbolInfo,
    Ticker,
    TimeInForce,
    TradesPage,
)
from tradingbot.venues.gmo.ratelimit import Clock, Lane, RateLimiter, RateLimits, Sleep
from tradingbot.venues.gmo.symbols import SymbolRules

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# GMO accepts at most 10 ids in one orders/executions query.
_IDS_PER_QUERY = 10
_PAGE_SIZE = 100
_MAX_PAGES = 20


class ClientObserver(Protocol):
    """Metrics hooks; implemented by the ops layer (venues/ never imports prometheus)."""

    def on_request(self, method: str, path: str, seconds: float, outcome: str) -> None: ...

    def on_rate_limited(self) -> None: ...

    def on_retry(self, path: str) -> None: ...


class _NullObserver:
    def on_request(self, method: str, path: str, seconds: float, outcome: str) -> None:
        return None

    def on_rate_limited(self) -> None:
        return None

    def on_retry(self, path: str) -> None:
        return None


_SYMBOL_LIST = TypeAdapter(list[SymbolInfo])
_TICKER_LIST = TypeAdapter(list[Ticker])
_ASSET_LIST = TypeAdapter(list[Asset])


class GmoRestClient:
    def __init__(
        self,
        endpoints: GmoEndpoints,
        credentials: Credentials | None,
        *,
        limits: RateLimits = RateLimits(),  # noqa: B008 - frozen value object
        timeout: float = 5.0,
        read_retries: int = 3,
        observer: ClientObserver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        timestamp: Callable[[], str] = timestamp_ms,
        backoff_base: float = 0.25,
        backoff_cap: float = 4.0,
        rate_limit_pause: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        if read_retries < 0:
            raise ValueError(f"read_retries must be >= 0, got {read_retries}")
        self.endpoints = endpoints
        self._credentials = credentials
        self._observer: ClientObserver = observer or _NullObserver()
        self._clock = clock
        self._sleep = sleep
        self._timestamp = timestamp
        self._read_retries = read_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._rate_limit_pause = rate_limit_pause
        self._rng = rng or random.Random()
        self.limiter = RateLimiter(limits, clock=clock, sleep=sleep)
        http_timeout = httpx.Timeout(timeout)
        self._public = httpx.AsyncClient(
            base_url=endpoints.public_rest, timeout=http_timeout, transport=transport
        )
        self._private = httpx.AsyncClient(
            base_url=endpoints.private_rest, timeout=http_timeout, transport=transport
        )
        self._rules: dict[str, SymbolRules] = {}

    def __repr__(self) -> str:
        return (
            f"GmoRestClient(public={self.endpoints.public_rest!r}, private={self.endpoints.private_rest!r})"
        )

    async def __aenter__(self) -> GmoRestClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._public.aclose()
        await self._private.aclose()

    # --- plumbing ---------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        # Full jitter: uniform in [0, min(cap, base * 2^attempt)].
        return self._rng.uniform(0.0, min(self._backoff_cap, self._backoff_base * (2**attempt)))

    async def _read(self, path: str, *, private: bool, params: dict[str, Any] | None = None) -> Any:
        attempts = 1 + self._read_retries
        for attempt in range(attempts):
            try:
                return await self._send("GET", path, private=private, params=params, lane=Lane.READ)
            except GmoError as exc:
                retryable = exc.category in (ErrorCategory.NETWORK, ErrorCategory.RATE_LIMIT)
                if not retryable or attempt + 1 >= attempts:
                    raise
                self._observer.on_retry(path)
                delay = self._backoff(attempt)
                log.info("GET %s failed (%s), retry %d in %.2fs", path, exc.category, attempt + 1, delay)
                await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt re-raises")

    async def _send(
        self,
        method: str,
        path: str,
        *,
        private: bool,
        lane: Lane,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        outcome_may_be_unknown: bool = False,
    ) -> Any:
        await self.limiter.acquire(lane)
        try:
            return await self._send_holding_slot(
                method,
                path,
                private=private,
                lane=lane,
                params=params,
                body=body,
                outcome_may_be_unknown=outcome_may_be_unknown,
            )
        finally:
            # Only now is it certain the exchange has counted the request (see SlidingWindow).
            self.limiter.release(lane)

    async def _send_holding_slot(
        self,
        method: str,
        path: str,
        *,
        private: bool,
        lane: Lane,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        outcome_may_be_unknown: bool,
    ) -> Any:
        content = orjson.dumps(body) if body is not None else None
        headers: dict[str, str] = {}
        if content is not None:
            headers["Content-Type"] = "application/json"
        if private:
            if self._credentials is None:
                raise GmoError(
                    f"{method} {path} needs API credentials and this client has none",
                    category=ErrorCategory.AUTH,
                )
            # The signed text is exactly the bytes sent (POST); PUT/DELETE sign no body (see auth.sign).
            text = content.decode() if content is not None else ""
            headers.update(signed_headers(self._credentials, method, path, text, self._timestamp()))
        client = self._private if private else self._public
        sent = SentRequest(method=method, path=path, body=body)
        started = self._clock()
        outcome = "ok"
        try:
            try:
                response = await client.request(method, path, params=params, content=content, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing left this process: definitely not placed, safe to report as a plain network error.
                raise GmoError(
                    f"{method} {path}: cannot connect ({type(exc).__name__})", category=ErrorCategory.NETWORK
                ) from None
            except httpx.TransportError as exc:
                if outcome_may_be_unknown:
                    raise OutcomeUnknown(
                        f"{method} {path}: no answer after sending ({type(exc).__name__}); outcome unknown",
                        sent=sent,
                    ) from None
                raise GmoError(
                    f"{method} {path}: transport error ({type(exc).__name__})", category=ErrorCategory.NETWORK
                ) from None
            return self._parse(response, sent, lane, outcome_may_be_unknown)
        except OutcomeUnknown:
            outcome = "unknown"
            raise
        except GmoError as exc:
            outcome = str(exc.category)
            log.warning("%s %s failed: %s", method, path, exc)
            raise
        finally:
            self._observer.on_request(method, path, self._clock() - started, outcome)

    def _parse(
        self, response: httpx.Response, sent: SentRequest, lane: Lane, outcome_may_be_unknown: bool
    ) -> Any:
        where = f"{sent.method} {sent.path}"
        status = response.status_code
        if status >= 500:
            if outcome_may_be_unknown:
                raise OutcomeUnknown(
                    f"{where}: HTTP {status} after sending; outcome unknown", sent=sent, http_status=status
                )
            raise GmoError(f"{where}: HTTP {status}", category=ErrorCategory.NETWORK, http_status=status)
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict) or "status" not in payload:
            if status >= 400:
                raise GmoError(
                    f"{where}: HTTP {status}", category=category_for_http_status(status), http_status=status
                )
            if outcome_may_be_unknown:
                raise OutcomeUnknown(
                    f"{where}: unreadable answer; outcome unknown", sent=sent, http_status=status
                )
            raise GmoError(
                f"{where}: answer is not a GMO envelope", category=ErrorCategory.UNKNOWN, http_status=status
            )
        if payload["status"] != 0:
            messages = payload.get("messages")
            if not isinstance(messages, list):  # a broken error answer is still an error answer
                messages = []
            codes = tuple(str(m.get("message_code", "")) for m in messages if isinstance(m, dict))
            texts = "; ".join(
                f"{m.get('message_code', '?')} {m.get('message_string', '')}".strip()
                for m in messages
                if isinstance(m, dict)
            )
            category = category_for_codes(codes)
            if category is ErrorCategory.UNKNOWN and status >= 400:
                category = category_for_http_status(status)
            if category is ErrorCategory.RATE_LIMIT:
                self.limiter.back_off(lane, self._rate_limit_pause)
                self._observer.on_rate_limited()
            raise GmoError(
                f"{where} refused (status {payload['status']}): {texts or 'no message'}",
                category=category,
                codes=codes,
                http_status=status,
            )
        return payload.get("data")

    @staticmethod
    def _model(model: type[M], data: Any, where: str) -> M:
        try:
            return model.model_validate(data if data is not None else {})
        except ValidationError as exc:
            raise GmoError(
                f"{where}: unexpected payload ({exc.error_count()} errors: {exc.errors()[0]['loc']})",
                category=ErrorCategory.UNKNOWN,
            ) from None

    @staticmethod
    def _list(adapter: TypeAdapter[list[M]], data: Any, where: str) -> list[M]:
        try:
            return adapter.validate_python(data or [])
        except ValidationError as exc:
            raise GmoError(
                f"{where}: unexpected payload ({exc.error_count()} errors: {exc.errors()[0]['loc']})",
                category=ErrorCategory.UNKNOWN,
            ) from None

    # --- public reads -----------------------------------------------------------------------------

    async def get_status(self) -> ExchangeStatus:
        data = await self._read("/v1/status", private=False)
        return self._model(StatusInfo, data, "GET /v1/status").status

    async def get_ticker(self, symbol: str) -> Ticker:
        data = await self._read("/v1/ticker", private=False, params={"symbol": symbol})
        tickers = self._list(_TICKER_LIST, data, "GET /v1/ticker")
        for ticker in tickers:
            if ticker.symbol == symbol:
                return ticker
        raise GmoError(f"GET /v1/ticker: no ticker for {symbol!r}", category=ErrorCategory.NOT_FOUND)

    async def get_orderbook(self, symbol: str) -> OrderBook:
        data = await self._read("/v1/orderbooks", private=False, params={"symbol": symbol})
        return self._model(OrderBook, data, "GET /v1/orderbooks")

    async def get_trades(self, symbol: str, *, page: int = 1, count: int = _PAGE_SIZE) -> TradesPage:
        data = await self._read(
            "/v1/trades", private=False, params={"symbol": symbol, "page": page, "count": count}
        )
        return self._model(TradesPage, data, "GET /v1/trades")

    async def get_symbols(self) -> dict[str, SymbolRules]:
        """Every symbol's order rules; also refreshes the rules `place_order` rounds with."""
        data = await self._read("/v1/symbols", private=False)
        infos = self._list(_SYMBOL_LIST, data, "GET /v1/symbols")
        rules = {info.symbol: SymbolRules.from_info(info) for info in infos}
        self._rules = dict(rules)
        return rules

    async def symbol_rules(self, symbol: str) -> SymbolRules:
        if symbol not in self._rules:
            await self.get_symbols()
        try:
            return self._rules[symbol]
        except KeyError:
            known = ", ".join(sorted(self._rules)) or "none"
            raise InvalidOrder(f"unknown symbol {symbol!r}; the exchange lists: {known}") from None

    # --- private reads ----------------------------------------------------------------------------

    async def get_margin(self) -> Margin:
        return self._model(
            Margin, await self._read("/v1/account/margin", private=True), "GET /v1/account/margin"
        )

    async def get_assets(self) -> list[Asset]:
        data = await self._read("/v1/account/assets", private=True)
        return self._list(_ASSET_LIST, data, "GET /v1/account/assets")

    async def get_orders(self, order_ids: Sequence[int]) -> list[Order]:
        orders: list[Order] = []
        for start in range(0, len(order_ids), _IDS_PER_QUERY):
            chunk = ",".join(str(int(i)) for i in order_ids[start : start + _IDS_PER_QUERY])
            data = await self._read("/v1/orders", private=True, params={"orderId": chunk})
            orders.extend(self._model(OrderList, data, "GET /v1/orders").items)
        return orders

    async def _every_page(self, path: str, symbol: str, model: type[Page[T]]) -> list[T]:
        """All items of a paged listing for ``symbol``: pages of _PAGE_SIZE until a short one."""
        found: list[T] = []
        for page in range(1, _MAX_PAGES + 1):
            params = {"symbol": symbol, "page": page, "count": _PAGE_SIZE}
            data = await self._read(path, private=True, params=params)
            items = self._model(model, data, f"GET {path}").items
            found.extend(items)
            if len(items) < _PAGE_SIZE:
                break
        return found

    async def get_active_orders(self, symbol: str) -> list[Order]:
        return await self._every_page("/v1/activeOrders", symbol, OrderList)

    async def get_executions(
        self, *, order_id: int | None = None, execution_ids: Sequence[int] | None = None
    ) -> list[Execution]:
        if (order_id is None) == (execution_ids is None):
            raise ValueError("get_executions needs exactly one of order_id or execution_ids")
        if order_id is not None:
            data = await self._read("/v1/executions", private=True, params={"orderId": int(order_id)})
            return self._model(ExecutionList, data, "GET /v1/executions").items
        assert execution_ids is not None
        executions: list[Execution] = []
        for start in range(0, len(execution_ids), _IDS_PER_QUERY):
            chunk = ",".join(str(int(i)) for i in execution_ids[start : start + _IDS_PER_QUERY])
            data = await self._read("/v1/executions", private=True, params={"executionId": chunk})
            executions.extend(self._model(ExecutionList, data, "GET /v1/executions").items)
        return executions

    async def get_latest_executions(self, symbol: str, count: int = _PAGE_SIZE) -> list[Execution]:
        params = {"symbol": symbol, "page": 1, "count": count}
        data = await self._read("/v1/latestExecutions", private=True, params=params)
        return self._model(ExecutionList, data, "GET /v1/latestExecutions").items

    async def get_open_positions(self, symbol: str) -> list[Position]:
        return await self._every_page("/v1/openPositions", symbol, PositionList)

    async def get_position_summary(self, symbol: str) -> list[PositionSummary]:
        data = await self._read("/v1/positionSummary", private=True, params={"symbol": symbol})
        return self._model(PositionSummaryList, data, "GET /v1/positionSummary").items

    # --- writes (never retried) -------------------------------------------------------------------

    async def _write(self, path: str, body: dict[str, Any], *, lane: Lane = Lane.WRITE) -> Any:
        return await self._send("POST", path, private=True, lane=lane, body=body, outcome_may_be_unknown=True)

    @staticmethod
    def _order_id(data: Any, sent: SentRequest) -> int:
        try:
            return int(data)
        except (TypeError, ValueError):
            # Accepted (status 0) but without a usable id: the order exists and we cannot name it.
            raise OutcomeUnknown(
                f"{sent.method} {sent.path}: accepted without a readable order id ({data!r})", sent=sent
            ) from None

    async def place_order(self, order: OrderRequest) -> int:
        """Round/validate with the symbol's rules, send once, return the new order id."""
        rules = await self.symbol_rules(order.symbol)
        needs_price = order.execution_type is not ExecutionType.MARKET
        if needs_price and order.price is None:
            raise InvalidOrder(f"a {order.execution_type} order needs a price")
        size, price = rules.normalise(order.size, order.price if needs_price else None, order.side)
        body = order.model_copy(update={"size": size, "price": price}).to_wire()
        data = await self._write("/v1/order", body)
        return self._order_id(data, SentRequest("POST", "/v1/order", body))

    async def close_order(
        self,
        symbol: str,
        side: Side,
        execution_type: ExecutionType,
        settle_positions: Sequence[SettlePosition],
        *,
        price: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
    ) -> int:
        """Close the given positions; `side` is the closing order's side."""
        if not settle_positions:
            raise InvalidOrder("close_order needs at least one settle position")
        rules = await self.symbol_rules(symbol)
        body: dict[str, Any] = {
            "symbol": symbol,
            "side": Side(side).value,
            "executionType": execution_type.value,
        }
        if time_in_force is not None:
            body["timeInForce"] = time_in_force.value
        if execution_type is not ExecutionType.MARKET:
            if price is None:
                raise InvalidOrder(f"a {execution_type} close needs a price")
            _, rounded = rules.normalise(rules.min_order_size, price, side)
            body["price"] = format(rounded, "f")
        settle = []
        for item in settle_positions:
            size, _ = rules.normalise(item.size, None, side)
            settle.append(SettlePosition(position_id=item.position_id, size=size).to_wire())
        body["settlePosition"] = settle
        data = await self._write("/v1/closeOrder", body)
        return self._order_id(data, SentRequest("POST", "/v1/closeOrder", body))

    async def close_bulk_order(
        self,
        symbol: str,
        side: Side,
        execution_type: ExecutionType,
        size: Decimal,
        price: Decimal | None = None,
    ) -> int:
        rules = await self.symbol_rules(symbol)
        needs_price = execution_type is not ExecutionType.MARKET
        if needs_price and price is None:
            raise InvalidOrder(f"a {execution_type} close needs a price")
        rounded_size, rounded_price = rules.normalise(size, price if needs_price else None, side)
        body: dict[str, Any] = {
            "symbol": symbol,
            "side": Side(side).value,
            "executionType": execution_type.value,
        }
        if rounded_price is not None:
            body["price"] = format(rounded_price, "f")
        body["size"] = format(rounded_size, "f")
        data = await self._write("/v1/closeBulkOrder", body)
        return self._order_id(data, SentRequest("POST", "/v1/closeBulkOrder", body))

    async def cancel_order(self, order_id: int) -> None:
        await self._write("/v1/cancelOrder", {"orderId": int(order_id)}, lane=Lane.CANCEL)

    async def cancel_bulk_order(
        self, symbols: Sequence[str], side: Side | None = None, settle_type: SettleType | None = None
    ) -> list[int]:
        body: dict[str, Any] = {"symbols": list(symbols)}
        if side is not None:
            body["side"] = Side(side).value
        if settle_type is not None:
            body["settleType"] = SettleType(settle_type).value
        data = await self._write("/v1/cancelBulkOrder", body, lane=Lane.CANCEL)
        return [int(i) for i in (data or [])]

    # --- WebSocket access tokens ------------------------------------------------------------------

    async def create_ws_token(self) -> str:
        data = await self._send("POST", "/v1/ws-auth", private=True, lane=Lane.WRITE, body={})
        if not isinstance(data, str) or not data:
            raise GmoError("POST /v1/ws-auth: no token in the answer", category=ErrorCategory.UNKNOWN)
        return data

    async def extend_ws_token(self, token: str) -> None:
        await self._send("PUT", "/v1/ws-auth", private=True, lane=Lane.WRITE, body={"token": token})

    async def delete_ws_token(self, token: str) -> None:
        await self._send("DELETE", "/v1/ws-auth", private=True, lane=Lane.WRITE, body={"token": token})
