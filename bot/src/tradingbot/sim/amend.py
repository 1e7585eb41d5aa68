"""Changes to live orders and positions: changeOrder, cancelOrders, changeLosscutPrice; tradingVolume.

Pure functions over an `Exchange`, returning the private events they caused like the exchange's own
order entry does, so REST views and stream events are built from the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tradingbot.sim.book import Trade
from tradingbot.sim.exchange import Exchange, ExchangeError, Order, PrivateEvent, jpy
from tradingbot.sim.wire import ERROR_MESSAGES, num

MAX_CANCEL_IDS = 10  # GMO's cancelOrders takes at most 10 orderIds
# What tradingVolume reports as a symbol's daily new-position limit, in multiples of its maxOrderSize.
# GMO sets this per account; the simulator does not enforce it.
DAILY_OPEN_LIMIT_ORDERS = 1000


def _active(exchange: Exchange, api_key: str, order_id: int) -> Order:
    order = exchange.active.get(order_id)
    if order is None or order.api_key != api_key:
        raise ExchangeError("ERR-5122", f"orderId={order_id} is not an active order of this account")
    return order


def _on_tick(exchange: Exchange, symbol: str, name: str, value: Decimal) -> Decimal:
    tick = exchange.specs[symbol].tick_size
    if value <= 0 or value % tick != 0:
        raise ExchangeError("ERR-5106", f"{name}={value} for {symbol}; must be > 0 on tick {tick}")
    return value


def change_order(
    exchange: Exchange, api_key: str, order_id: int, price: Decimal, losscut_price: Decimal | None
) -> list[PrivateEvent]:
    """Move a resting LIMIT order to `price` (msgType ROR); a price that crosses the book trades now."""
    exchange._account(api_key)
    order = _active(exchange, api_key, order_id)
    if order.execution_type != "LIMIT" or order.price is None:
        raise ExchangeError("ERR-5122", f"orderId={order_id} is {order.execution_type}; only LIMIT changes")
    _on_tick(exchange, order.symbol, "price", price)
    if losscut_price is not None:
        if order.settle_type != "OPEN":
            raise ExchangeError("ERR-5106", "losscutPrice applies to OPEN orders only")
        _on_tick(exchange, order.symbol, "losscutPrice", losscut_price)
    if order.settle_type == "OPEN":
        # A higher limit reserves more margin for what is still resting.
        extra = (price - order.price) * order.remaining / exchange.leverage
        available = exchange.margin(api_key)["available"]
        if extra > available:
            raise ExchangeError("ERR-201", f"the change needs {jpy(extra)} JPY more; available {available}")
    market = exchange.markets[order.symbol]
    crossing = market.take(order.side, order.remaining, price, dry_run=True)
    order.price = price
    if losscut_price is not None:
        order.losscut_price = losscut_price
    events = [exchange._order_event(order, "ROR")]
    if crossing and order.time_in_force == "SOK":
        return events + exchange._finish(order, "CANCELED", "EXPIRED_SOK")
    for fill in market.take(order.side, order.remaining, price):
        market.record_trade(Trade(fill.price, order.side, fill.size, exchange.clock()))
        events += exchange._fill(order, fill.price, fill.size, maker=False)
    return events


@dataclass
class CancelResult:
    success: list[int]
    failed: list[dict[str, Any]]

    def view(self) -> dict[str, Any]:
        return {"failed": self.failed, "success": self.success}


def cancel_orders(
    exchange: Exchange, api_key: str, order_ids: list[int]
) -> tuple[CancelResult, list[PrivateEvent]]:
    """Cancel each id independently: GMO answers which succeeded and why each other one failed."""
    if not 1 <= len(order_ids) <= MAX_CANCEL_IDS:
        raise ExchangeError("ERR-5106", f"orderIds has {len(order_ids)} ids; give 1 to {MAX_CANCEL_IDS}")
    exchange._account(api_key)
    result = CancelResult([], [])
    events: list[PrivateEvent] = []
    for order_id in order_ids:
        try:
            events += exchange.cancel_order(api_key, order_id)
        except ExchangeError as exc:
            result.failed.append(
                {
                    "message_code": exc.code,
                    "message_string": ERROR_MESSAGES.get(exc.code, "Error."),
                    "orderId": order_id,
                }
            )
        else:
            result.success.append(order_id)
    return result, events


def change_losscut_price(
    exchange: Exchange, api_key: str, position_id: int, losscut_price: Decimal
) -> list[PrivateEvent]:
    """Set a position's losscut price (msgType ULR); it must sit on the losing side of the market."""
    exchange._account(api_key)
    pos = exchange.positions.get(position_id)
    if pos is None or pos.api_key != api_key:
        raise ExchangeError("ERR-254", f"positionId={position_id} is not an open position of this account")
    _on_tick(exchange, pos.symbol, "losscutPrice", losscut_price)
    market = exchange.markets[pos.symbol]
    # A losscut on the winning side of the market would trigger at once.
    if pos.side == "BUY" and losscut_price >= market.best_bid:
        raise ExchangeError(
            "ERR-5106", f"losscutPrice={losscut_price} (BUY position) must be below bid {market.best_bid}"
        )
    if pos.side == "SELL" and losscut_price <= market.best_ask:
        raise ExchangeError(
            "ERR-5106", f"losscutPrice={losscut_price} (SELL position) must be above ask {market.best_ask}"
        )
    pos.losscut_price = losscut_price
    return [exchange._position_event(pos, "ULR")]


def trading_volume(exchange: Exchange, api_key: str, tier_level: int) -> dict[str, Any]:
    """GET /v1/account/tradingVolume: the key's yen volume over the executions the simulator still holds."""
    exchange._account(api_key)
    now = exchange.clock()
    day_start = now - timedelta(days=1)
    volume = Decimal(0)
    opened_today: dict[str, Decimal] = {}
    for execution in exchange.executions.values():
        if execution.order.api_key != api_key:
            continue
        volume += execution.price * execution.size
        if execution.order.settle_type == "OPEN" and execution.timestamp >= day_start:
            symbol = execution.order.symbol
            opened_today[symbol] = opened_today.get(symbol, Decimal(0)) + execution.size
    limits = []
    for symbol in exchange.markets:
        spec = exchange.specs[symbol]
        cap = spec.max_order_size * DAILY_OPEN_LIMIT_ORDERS
        limits.append(
            {
                "symbol": symbol,
                "todayLimitOpenSize": num(max(Decimal(0), cap - opened_today.get(symbol, Decimal(0)))),
                "takerFee": num(spec.taker_fee),
                "makerFee": num(spec.maker_fee),
            }
        )
    return {"jpyVolume": num(jpy(volume)), "tierLevel": tier_level, "limit": limits}
