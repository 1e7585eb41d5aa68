"""Matching, accounts and positions with GMO's leverage semantics; no I/O.

Every mutating call returns the private events it caused, as ``PrivateEvent`` records that the server
fans out to the account's private WebSocket connections. REST views and events are built from the same
objects so they cannot disagree.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tradingbot.sim.book import Level, Market, Trade
from tradingbot.sim.config import SymbolSpec
from tradingbot.sim.wire import num, ts

SIDES = ("BUY", "SELL")
TIME_IN_FORCE = ("FAS", "FAK", "FOK", "SOK")
ACTIVE = ("WAITING", "ORDERED", "MODIFYING", "CANCELLING")
YEN = Decimal(1)


class ExchangeError(Exception):
    """A request the exchange refuses; `code` is the GMO message code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class PrivateEvent:
    api_key: str
    channel: str
    payload: dict[str, Any]


@dataclass
class Order:
    order_id: int
    api_key: str
    symbol: str
    side: str
    execution_type: str
    settle_type: str
    size: Decimal
    price: Decimal | None
    time_in_force: str
    timestamp: datetime
    executed_size: Decimal = Decimal(0)
    status: str = "ORDERED"
    cancel_type: str | None = None
    losscut_price: Decimal = Decimal(0)  # set by changeOrder (sim/amend.py); 0 = none, as GMO shows it
    # CLOSE orders: [positionId, size still to settle] in settlement order.
    allocations: list[list[Any]] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.size - self.executed_size

    def view(self) -> dict[str, Any]:
        # GMO's order views carry cancelType only once an order is cancelled (api.coin.z.com/docs/#orders).
        extra = {"cancelType": self.cancel_type} if self.cancel_type is not None else {}
        return {
            "rootOrderId": self.order_id,
            "orderId": self.order_id,
            "symbol": self.symbol,
            "side": self.side,
            "orderType": "NORMAL",
            "executionType": self.execution_type,
            "settleType": self.settle_type,
            "size": num(self.size),
            "executedSize": num(self.executed_size),
            "price": num(self.price) if self.price is not None else "0",
            "losscutPrice": num(self.losscut_price),
            "status": self.status,
            **extra,
            "timeInForce": self.time_in_force,
            "timestamp": ts(self.timestamp),
        }


@dataclass
class Execution:
    execution_id: int
    order: Order
    position_id: int
    price: Decimal
    size: Decimal
    loss_gain: Decimal
    fee: Decimal
    timestamp: datetime

    def view(self) -> dict[str, Any]:
        return {
            "executionId": self.execution_id,
            "orderId": self.order.order_id,
            "positionId": self.position_id,
            "symbol": self.order.symbol,
            "side": self.order.side,
            "settleType": self.order.settle_type,
            "size": num(self.size),
            "price": num(self.price),
            "lossGain": num(self.loss_gain),
            "fee": num(self.fee),
            "timestamp": ts(self.timestamp),
        }


@dataclass
class Position:
    position_id: int
    api_key: str
    symbol: str
    side: str
    size: Decimal
    price: Decimal
    timestamp: datetime
    ordered_size: Decimal = Decimal(0)
    losscut_price: Decimal = Decimal(0)  # set by changeLosscutPrice (sim/amend.py)


@dataclass
class Account:
    api_key: str
    cash: Decimal


def jpy(value: Decimal) -> Decimal:
    """GMO reports yen amounts as whole yen; truncate toward zero."""
    return value.quantize(YEN, rounding=ROUND_DOWN)


class Exchange:
    def __init__(
        self,
        specs: Mapping[str, SymbolSpec],
        markets: Mapping[str, Market],
        api_keys: Iterable[str],
        initial_jpy: Decimal,
        *,
        leverage: Decimal = Decimal(2),
        clock: Callable[[], datetime],
        history_cap: int = 10000,
    ) -> None:
        self.specs = dict(specs)
        self.markets = dict(markets)
        self.accounts = {key: Account(key, initial_jpy) for key in api_keys}
        self.leverage = leverage
        self.clock = clock
        self.history_cap = history_cap
        self.halted = False  # maintenance: resting orders do not match
        self._ids = itertools.count(1_000_001)
        self._exec_ids = itertools.count(5_000_001)
        self._pos_ids = itertools.count(9_000_001)
        self.orders: OrderedDict[int, Order] = OrderedDict()
        self.active: dict[int, Order] = {}
        self.executions: OrderedDict[int, Execution] = OrderedDict()
        self.positions: dict[int, Position] = {}

    # ---------------------------------------------------------------- valuation
    def _mark(self, pos: Position) -> Decimal:
        market = self.markets[pos.symbol]
        # A long is valued at what it could be sold for, a short at what it costs to buy back.
        return market.best_bid if pos.side == "BUY" else market.best_ask

    def unrealised(self, pos: Position) -> Decimal:
        sign = 1 if pos.side == "BUY" else -1
        return jpy((self._mark(pos) - pos.price) * pos.size * sign)

    def margin(self, api_key: str) -> dict[str, Decimal]:
        account = self._account(api_key)
        positions = [p for p in self.positions.values() if p.api_key == api_key]
        upl = sum((self.unrealised(p) for p in positions), Decimal(0))
        pos_margin = sum((p.price * p.size / self.leverage for p in positions), Decimal(0))
        order_margin = sum(
            (
                (o.price or Decimal(0)) * o.remaining / self.leverage
                for o in self.active.values()
                if o.api_key == api_key and o.settle_type == "OPEN"
            ),
            Decimal(0),
        )
        equity = account.cash + upl
        available = max(Decimal(0), jpy(equity - pos_margin - order_margin))
        ratio = (
            (equity / pos_margin * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
            if pos_margin
            else Decimal(0)
        )
        return {
            "cash": account.cash,
            "equity": equity,
            "profit_loss": upl,
            "margin": jpy(pos_margin),
            "available": available,
            "margin_ratio": ratio,
        }

    def margin_view(self, api_key: str) -> dict[str, Any]:
        m = self.margin(api_key)
        return {
            "actualProfitLoss": num(m["equity"]),
            "availableAmount": num(m["available"]),
            "margin": num(m["margin"]),
            "marginCallStatus": "NORMAL",
            "marginRatio": num(m["margin_ratio"]),
            "profitLoss": num(m["profit_loss"]),
            "transferableAmount": num(m["available"]),
        }

    def assets_view(self, api_key: str) -> list[dict[str, Any]]:
        m = self.margin(api_key)
        return [
            {
                "symbol": "JPY",
                "amount": num(m["cash"]),
                "available": num(m["available"]),
                "conversionRate": "1",
            }
        ]

    def position_view(self, pos: Position) -> dict[str, Any]:
        return {
            "positionId": pos.position_id,
            "symbol": pos.symbol,
            "side": pos.side,
            "size": num(pos.size),
            "orderdSize": num(pos.ordered_size),
            "price": num(pos.price),
            "lossGain": num(self.unrealised(pos)),
            "leverage": num(self.leverage),
            "losscutPrice": num(pos.losscut_price),
            "timestamp": ts(pos.timestamp),
        }

    def open_positions(self, api_key: str, symbol: str) -> list[Position]:
        return [p for p in self.positions.values() if p.api_key == api_key and p.symbol == symbol]

    def summary_view(self, api_key: str, symbol: str, side: str) -> dict[str, Any] | None:
        positions = [p for p in self.open_positions(api_key, symbol) if p.side == side]
        if not positions:
            return None
        qty = sum((p.size for p in positions), Decimal(0))
        avg = sum((p.price * p.size for p in positions), Decimal(0)) / qty
        spec = self.specs[symbol]
        return {
            "averagePositionRate": num(avg.quantize(spec.tick_size / 1000, rounding=ROUND_DOWN)),
            "positionLossGain": num(sum((self.unrealised(p) for p in positions), Decimal(0))),
            "side": side,
            "sumOrderQuantity": num(sum((p.ordered_size for p in positions), Decimal(0))),
            "sumPositionQuantity": num(qty),
            "symbol": symbol,
        }

    def summaries(self, api_key: str, symbol: str) -> list[dict[str, Any]]:
        views = (self.summary_view(api_key, symbol, side) for side in SIDES)
        return [v for v in views if v is not None]

    def latest_executions(self, api_key: str, symbol: str, count: int) -> list[Execution]:
        found: list[Execution] = []
        for execution in reversed(self.executions.values()):
            if execution.order.api_key == api_key and execution.order.symbol == symbol:
                found.append(execution)
                if len(found) >= count:
                    break
        return found

    # ---------------------------------------------------------------- validation
    def _account(self, api_key: str) -> Account:
        try:
            return self.accounts[api_key]
        except KeyError:
            raise ExchangeError("ERR-5012", "unknown API key") from None

    def _spec(self, symbol: str) -> SymbolSpec:
        spec = self.specs.get(symbol)
        if spec is None or symbol not in self.markets:
            raise ExchangeError(
                "ERR-5106", f"symbol={symbol!r} is not traded; use one of {sorted(self.markets)}"
            )
        return spec

    @staticmethod
    def _side(side: str) -> str:
        if side not in SIDES:
            raise ExchangeError("ERR-5106", f"side={side!r}; use BUY or SELL")
        return side

    @staticmethod
    def _size(spec: SymbolSpec, size: Decimal) -> Decimal:
        if size < spec.min_order_size or size > spec.max_order_size or size % spec.size_step != 0:
            raise ExchangeError(
                "ERR-5114",
                f"size={size} for {spec.symbol}; accepted: {spec.min_order_size}..{spec.max_order_size} "
                f"in steps of {spec.size_step}",
            )
        return size

    @staticmethod
    def _price(spec: SymbolSpec, execution_type: str, price: Decimal | None) -> Decimal | None:
        if execution_type == "MARKET":
            return None
        if execution_type != "LIMIT":
            raise ExchangeError("ERR-5106", f"executionType={execution_type!r}; use MARKET or LIMIT")
        if price is None or price <= 0 or price % spec.tick_size != 0:
            raise ExchangeError(
                "ERR-5106", f"price={price} for a LIMIT order; must be > 0 on tick {spec.tick_size}"
            )
        return price

    @staticmethod
    def _tif(execution_type: str, tif: str | None) -> str:
        if tif is None:
            return "FAK" if execution_type == "MARKET" else "FAS"
        allowed = ("FAK",) if execution_type == "MARKET" else TIME_IN_FORCE
        if tif not in allowed:
            raise ExchangeError(
                "ERR-5106", f"timeInForce={tif!r} for {execution_type}; accepted: {list(allowed)}"
            )
        return tif

    def _entry(
        self,
        api_key: str,
        symbol: str,
        side: str,
        execution_type: str,
        size: Decimal | None,
        price: Decimal | None,
        time_in_force: str | None,
    ) -> tuple[SymbolSpec, str, Decimal | None, str]:
        """What every order entry checks, in the order the first bad field is reported.

        ``size`` is None for an order whose size comes from its settle list, checked by the caller.
        Returns the symbol's rules, the side, the price (None for MARKET) and the time in force.
        """
        self._account(api_key)
        spec = self._spec(symbol)
        side = self._side(side)
        if size is not None:
            self._size(spec, size)
        return spec, side, self._price(spec, execution_type, price), self._tif(execution_type, time_in_force)

    # ---------------------------------------------------------------- order entry
    def place_order(
        self,
        api_key: str,
        symbol: str,
        side: str,
        execution_type: str,
        size: Decimal,
        price: Decimal | None = None,
        time_in_force: str | None = None,
    ) -> tuple[Order, list[PrivateEvent]]:
        spec, side, price, tif = self._entry(
            api_key, symbol, side, execution_type, size, price, time_in_force
        )
        market = self.markets[symbol]
        # Margin is checked against what the order would cost: the taker fills now, the rest at its limit.
        fills = market.take(side, size, price, dry_run=True)
        filled = sum((f.size for f in fills), Decimal(0))
        notional = sum((f.price * f.size for f in fills), Decimal(0))
        rest = size - filled
        if rest > 0:
            notional += (
                price if price is not None else (market.best_ask if side == "BUY" else market.best_bid)
            ) * rest
        fee_rate = max(spec.taker_fee, spec.maker_fee)
        needed = notional / self.leverage + notional * fee_rate
        available = self.margin(api_key)["available"]
        if needed > available:
            raise ExchangeError(
                "ERR-201", f"order needs {jpy(needed)} JPY of margin; available {available} JPY"
            )
        order = self._new_order(api_key, symbol, side, execution_type, "OPEN", size, price, tif)
        return order, self._enter(order)

    def close_order(
        self,
        api_key: str,
        symbol: str,
        side: str,
        execution_type: str,
        settle: list[tuple[int, Decimal]],
        price: Decimal | None = None,
        time_in_force: str | None = None,
    ) -> tuple[Order, list[PrivateEvent]]:
        spec, side, price, tif = self._entry(
            api_key, symbol, side, execution_type, None, price, time_in_force
        )
        if not settle:
            raise ExchangeError("ERR-5106", "settlePosition is empty; give [{positionId, size}]")
        total = Decimal(0)
        seen: set[int] = set()
        for position_id, size in settle:
            pos = self.positions.get(position_id)
            if pos is None or pos.api_key != api_key or pos.symbol != symbol or position_id in seen:
                raise ExchangeError("ERR-254", f"positionId={position_id} is not an open {symbol} position")
            if pos.side == side:
                raise ExchangeError("ERR-5106", f"side={side} cannot close {pos.side} position {position_id}")
            self._size(spec, size) if size < spec.min_order_size else None
            if size <= 0 or size > pos.size - pos.ordered_size:
                raise ExchangeError(
                    "ERR-254",
                    f"size={size} for position {position_id}; closable {pos.size - pos.ordered_size}",
                )
            seen.add(position_id)
            total += size
        self._size(spec, total)
        order = self._new_order(api_key, symbol, side, execution_type, "CLOSE", total, price, tif)
        order.allocations = [[pid, size] for pid, size in settle]
        return order, self._reserve(order) + self._enter(order)

    def close_bulk_order(
        self,
        api_key: str,
        symbol: str,
        side: str,
        execution_type: str,
        size: Decimal,
        price: Decimal | None = None,
        time_in_force: str | None = None,
    ) -> tuple[Order, list[PrivateEvent]]:
        _spec, side, price, tif = self._entry(
            api_key, symbol, side, execution_type, size, price, time_in_force
        )
        allocations: list[list[Any]] = []
        remaining = size
        for pos in sorted(self.open_positions(api_key, symbol), key=lambda p: p.position_id):
            if pos.side == side or remaining <= 0:
                continue
            take = min(remaining, pos.size - pos.ordered_size)
            if take > 0:
                allocations.append([pos.position_id, take])
                remaining -= take
        if remaining > 0:
            raise ExchangeError(
                "ERR-254", f"size={size} exceeds the closable {symbol} positions by {remaining}"
            )
        order = self._new_order(api_key, symbol, side, execution_type, "CLOSE", size, price, tif)
        order.allocations = allocations
        return order, self._reserve(order) + self._enter(order)

    def cancel_order(self, api_key: str, order_id: int) -> list[PrivateEvent]:
        order = self.active.get(order_id)
        if order is None or order.api_key != api_key:
            raise ExchangeError("ERR-5122", f"orderId={order_id} is not an active order")
        return self._finish(order, "CANCELED", "USER")

    def cancel_bulk(
        self, api_key: str, symbols: list[str], side: str | None, settle_type: str | None
    ) -> tuple[list[int], list[PrivateEvent]]:
        for symbol in symbols:
            self._spec(symbol)
        if side is not None:
            self._side(side)
        if settle_type not in (None, "OPEN", "CLOSE"):
            raise ExchangeError("ERR-5106", f"settleType={settle_type!r}; use OPEN or CLOSE")
        ids: list[int] = []
        events: list[PrivateEvent] = []
        for order in list(self.active.values()):
            if order.api_key != api_key or order.symbol not in symbols:
                continue
            if (side and order.side != side) or (settle_type and order.settle_type != settle_type):
                continue
            ids.append(order.order_id)
            events += self._finish(order, "CANCELED", "USER")
        return ids, events

    # ---------------------------------------------------------------- matching
    def on_step(self) -> list[PrivateEvent]:
        """Fill resting LIMIT orders the new book crosses, at their limit price (maker)."""
        if self.halted:
            return []
        events: list[PrivateEvent] = []
        for order in list(self.active.values()):
            market = self.markets[order.symbol]
            assert order.price is not None
            crossed = (
                market.best_ask <= order.price if order.side == "BUY" else market.best_bid >= order.price
            )
            if crossed:
                events += self._fill(order, order.price, order.remaining, maker=True)
        return events

    def _new_order(
        self,
        api_key: str,
        symbol: str,
        side: str,
        execution_type: str,
        settle_type: str,
        size: Decimal,
        price: Decimal | None,
        tif: str,
    ) -> Order:
        order = Order(
            next(self._ids),
            api_key,
            symbol,
            side,
            execution_type,
            settle_type,
            size,
            price,
            tif,
            self.clock(),
        )
        self.orders[order.order_id] = order
        self._trim_orders()
        return order

    def _reserve(self, order: Order) -> list[PrivateEvent]:
        events: list[PrivateEvent] = []
        for position_id, size in order.allocations:
            pos = self.positions[position_id]
            pos.ordered_size += size
            events.append(self._position_event(pos, "UPR"))
        return events + self._summary_events(order.api_key, order.symbol)

    def _release(self, order: Order) -> list[PrivateEvent]:
        events: list[PrivateEvent] = []
        for allocation in order.allocations:
            position_id, size = allocation
            pos = self.positions.get(position_id)
            if pos is not None and size > 0:
                pos.ordered_size -= size
                events.append(self._position_event(pos, "UPR"))
            allocation[1] = Decimal(0)
        if events:
            events += self._summary_events(order.api_key, order.symbol)
        return events

    def _enter(self, order: Order) -> list[PrivateEvent]:
        events = [self._order_event(order, "NOR")]
        market = self.markets[order.symbol]
        marketable = market.take(order.side, order.size, order.price, dry_run=True)
        can_fill = sum((f.size for f in marketable), Decimal(0))
        if order.time_in_force == "SOK" and marketable:
            return events + self._finish(order, "CANCELED", "EXPIRED_SOK")
        if order.time_in_force == "FOK" and can_fill < order.size:
            return events + self._finish(order, "CANCELED", "EXPIRED_FOK")
        for fill in market.take(order.side, order.size, order.price):
            market.record_trade(Trade(fill.price, order.side, fill.size, order.timestamp))
            events += self._fill(order, fill.price, fill.size, maker=False)
        if order.remaining > 0:
            if order.execution_type == "MARKET" or order.time_in_force == "FAK":
                events += self._finish(order, "CANCELED", "EXPIRED_FAK")
            else:
                self.active[order.order_id] = order
        return events

    def _finish(self, order: Order, status: str, cancel_type: str | None) -> list[PrivateEvent]:
        order.status = status
        order.cancel_type = cancel_type
        self.active.pop(order.order_id, None)
        events = [self._order_event(order, "COR")] if status == "CANCELED" else []
        if order.settle_type == "CLOSE":
            events += self._release(order)
        return events

    def _fill(self, order: Order, price: Decimal, size: Decimal, *, maker: bool) -> list[PrivateEvent]:
        spec = self.specs[order.symbol]
        rate = spec.maker_fee if maker else spec.taker_fee
        account = self.accounts[order.api_key]
        now = self.clock()
        events: list[PrivateEvent] = []
        if order.settle_type == "OPEN":
            fee = jpy(price * size * rate)
            pos = Position(next(self._pos_ids), order.api_key, order.symbol, order.side, size, price, now)
            pos.losscut_price = order.losscut_price
            self.positions[pos.position_id] = pos
            account.cash -= fee
            events.append(self._execution(order, pos.position_id, price, size, Decimal(0), fee, now))
            events.append(self._position_event(pos, "OPR"))
        else:
            remaining = size
            for allocation in order.allocations:
                position_id, left = allocation
                chunk = min(left, remaining)
                if chunk <= 0:
                    continue
                pos = self.positions[position_id]
                sign = 1 if pos.side == "BUY" else -1
                gain = jpy((price - pos.price) * chunk * sign)
                fee = jpy(price * chunk * rate)
                account.cash += gain - fee
                pos.size -= chunk
                pos.ordered_size -= chunk
                allocation[1] = left - chunk
                remaining -= chunk
                events.append(self._execution(order, position_id, price, chunk, gain, fee, now))
                if pos.size == 0:
                    del self.positions[position_id]
                    events.append(self._position_event(pos, "CPR"))
                else:
                    events.append(self._position_event(pos, "UPR"))
        order.executed_size += size
        if order.remaining == 0:
            order.status = "EXECUTED"
            self.active.pop(order.order_id, None)
        return events + self._summary_events(order.api_key, order.symbol)

    def _execution(
        self,
        order: Order,
        position_id: int,
        price: Decimal,
        size: Decimal,
        gain: Decimal,
        fee: Decimal,
        now: datetime,
    ) -> PrivateEvent:
        execution = Execution(next(self._exec_ids), order, position_id, price, size, gain, fee, now)
        self.executions[execution.execution_id] = execution
        while len(self.executions) > self.history_cap:
            self.executions.popitem(last=False)
        payload = {
            "channel": "executionEvents",
            "orderId": order.order_id,
            "executionId": execution.execution_id,
            "symbol": order.symbol,
            "settleType": order.settle_type,
            "executionType": order.execution_type,
            "side": order.side,
            "executionPrice": num(price),
            "executionSize": num(size),
            "positionId": position_id,
            "orderTimestamp": ts(order.timestamp),
            "executionTimestamp": ts(now),
            "lossGain": num(gain),
            "fee": num(fee),
            "orderPrice": num(order.price) if order.price is not None else "0",
            "orderSize": num(order.size),
            "orderExecutedSize": num(order.executed_size + size),
            "timeInForce": order.time_in_force,
            "msgType": "ER",
        }
        return PrivateEvent(order.api_key, "executionEvents", payload)

    def _order_event(self, order: Order, msg_type: str) -> PrivateEvent:
        payload: dict[str, Any] = {
            "channel": "orderEvents",
            "orderId": order.order_id,
            "symbol": order.symbol,
            "settleType": order.settle_type,
            "executionType": order.execution_type,
            "side": order.side,
            "orderStatus": "ORDERED" if msg_type == "NOR" else order.status,
            "orderTimestamp": ts(order.timestamp),
            "orderPrice": num(order.price) if order.price is not None else "0",
            "orderSize": num(order.size),
            "orderExecutedSize": num(order.executed_size),
            "losscutPrice": num(order.losscut_price),
            "timeInForce": order.time_in_force,
            "msgType": msg_type,
        }
        if order.cancel_type is not None:
            payload["cancelType"] = order.cancel_type
        return PrivateEvent(order.api_key, "orderEvents", payload)

    def _position_event(self, pos: Position, msg_type: str) -> PrivateEvent:
        payload = {"channel": "positionEvents", **self.position_view(pos), "msgType": msg_type}
        payload["timestamp"] = ts(self.clock())
        return PrivateEvent(pos.api_key, "positionEvents", payload)

    def _summary_events(self, api_key: str, symbol: str) -> list[PrivateEvent]:
        events = []
        now = ts(self.clock())
        for side in SIDES:
            view = self.summary_view(api_key, symbol, side) or {
                "averagePositionRate": "0",
                "positionLossGain": "0",
                "side": side,
                "sumOrderQuantity": "0",
                "sumPositionQuantity": "0",
                "symbol": symbol,
            }
            events.append(
                PrivateEvent(
                    api_key,
                    "positionSummaryEvents",
                    {"channel": "positionSummaryEvents", **view, "timestamp": now, "msgType": "UPDATE"},
                )
            )
        return events

    def _trim_orders(self) -> None:
        # Finished orders beyond the cap are forgotten oldest first; active ones are always kept.
        excess = len(self.orders) - self.history_cap
        if excess <= 0:
            return
        for order_id in list(itertools.islice(self.orders, excess + len(self.active))):
            if excess <= 0:
                break
            if order_id not in self.active:
                del self.orders[order_id]
                excess -= 1


def level_view(levels: list[Level]) -> list[dict[str, str]]:
    return [{"price": num(lv.price), "size": num(lv.size)} for lv in levels]


def ticker_view(market: Market, now: datetime) -> dict[str, Any]:
    return {
        "ask": num(market.best_ask),
        "bid": num(market.best_bid),
        "high": num(market.high),
        "last": num(market.last),
        "low": num(market.low),
        "symbol": market.symbol,
        "timestamp": ts(now),
        "volume": num(market.volume),
    }


def trade_view(trade: Trade) -> dict[str, Any]:
    return {
        "price": num(trade.price),
        "side": trade.side,
        "size": num(trade.size),
        "timestamp": ts(trade.timestamp),
    }
