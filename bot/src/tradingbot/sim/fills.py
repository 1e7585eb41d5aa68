"""Fills: executions, position changes and the private events they cause."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradingbot.sim.accounts import AccountViews
from tradingbot.sim.config import SymbolSpec
from tradingbot.sim.ledger import SIDES, Account, Execution, Order, Position, PrivateEvent, jpy
from tradingbot.sim.wire import num, ts


class Fills(AccountViews):
    """Mixed into :class:`tradingbot.sim.exchange.Exchange`: applies a fill to orders, positions, cash."""

    specs: dict[str, SymbolSpec]
    accounts: dict[str, Account]
    clock: Callable[[], datetime]
    history_cap: int
    orders: OrderedDict[int, Order]
    active: dict[int, Order]
    executions: OrderedDict[int, Execution]
    positions: dict[int, Position]
    _exec_ids: itertools.count[int]
    _pos_ids: itertools.count[int]

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
