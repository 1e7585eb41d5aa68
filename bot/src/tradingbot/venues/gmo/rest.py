"""The REST client's endpoints: public reads, private reads, writes (never retried), WebSocket tokens.

The plumbing (signing, envelope parsing, error mapping, budgets, retries only where safe) is in
:mod:`tradingbot.venues.gmo.transport`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from tradingbot.venues.gmo.errors import (
    ErrorCategory,
    GmoError,
    InvalidOrder,
    OutcomeUnknown,
    SentRequest,
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
from tradingbot.venues.gmo.ratelimit import Lane
from tradingbot.venues.gmo.symbols import SymbolRules
from tradingbot.venues.gmo.transport import ClientObserver, RestTransport

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# GMO accepts at most 10 ids in one orders/executions query.
_IDS_PER_QUERY = 10
_PAGE_SIZE = 100
_MAX_PAGES = 20


_SYMBOL_LIST = TypeAdapter(list[SymbolInfo])
_TICKER_LIST = TypeAdapter(list[Ticker])
_ASSET_LIST = TypeAdapter(list[Asset])


class GmoRestClient(RestTransport):
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


__all__ = ["ClientObserver", "GmoRestClient"]
