"""The private REST endpoints (orders, executions, positions, WebSocket tokens)."""

from __future__ import annotations

from decimal import Decimal

from tradingbot.sim.envelope import (
    BadRequestError,
    Params,
    Result,
    RouteBase,
    _decimal,
    _ids,
    _int,
    _limit_terms,
    _page,
    _paginated,
    _text,
)


class PrivateRoutes(RouteBase):
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
