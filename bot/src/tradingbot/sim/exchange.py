"""Order entry and matching with GMO's leverage semantics; no I/O.

Split by concept: the records are in :mod:`.ledger`, valuation and the account views in :mod:`.accounts`,
fills (executions, positions, their events) in :mod:`.fills`, the public market views in :mod:`.views`;
this module re-exports the names it always had.

Every mutating call returns the private events it caused, as ``PrivateEvent`` records that the server
fans out to the account's private WebSocket connections. REST views and events are built from the same
objects so they cannot disagree.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradingbot.sim.book import Market, Trade
from tradingbot.sim.config import SymbolSpec
from tradingbot.sim.fills import Fills
from tradingbot.sim.ledger import (
    ACTIVE,
    SIDES,
    TIME_IN_FORCE,
    YEN,
    Account,
    ExchangeError,
    Execution,
    Order,
    Position,
    PrivateEvent,
    jpy,
)
from tradingbot.sim.views import level_view, ticker_view, trade_view

__all__ = [
    "ACTIVE",
    "SIDES",
    "TIME_IN_FORCE",
    "YEN",
    "Account",
    "Exchange",
    "ExchangeError",
    "Execution",
    "Order",
    "Position",
    "PrivateEvent",
    "jpy",
    "level_view",
    "ticker_view",
    "trade_view",
]


class Exchange(Fills):
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

    # ---------------------------------------------------------------- validation
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
