"""An in-memory exchange implementing the engine's ExchangePort (a fake of a dependency, not the engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradingbot.exchange.ports import (
    ExchangeRejectedError,
    ExExecution,
    ExMargin,
    ExOrder,
    ExPosition,
    SendOutcomeUnknownError,
)
from tradingbot.venues.gmo.symbols import SymbolRules

T0 = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeExchange:
    clock: FakeClock
    orders_by_id: dict[int, ExOrder] = field(default_factory=dict)
    executions: list[ExExecution] = field(default_factory=list)
    positions: list[ExPosition] = field(default_factory=list)
    received: list[dict[str, object]] = field(default_factory=list)
    reject_next: int = 0
    unknown_next: int = 0
    unknown_before_placing: bool = False
    fill_price: Decimal = Decimal("1000000")
    next_id: int = 1000
    margin_in_use: Decimal = Decimal(0)

    def _place(
        self, symbol: str, side: str, execution_type: str, size: Decimal, price: Decimal | None, settle: str
    ) -> int:
        if self.reject_next:
            self.reject_next -= 1
            raise ExchangeRejectedError(
                "ERR-208 insufficient", category="insufficient_funds", codes=("ERR-208",)
            )
        if self.unknown_next and self.unknown_before_placing:
            self.unknown_next -= 1
            raise SendOutcomeUnknownError("timeout before reaching the exchange")
        self.next_id += 1
        oid = self.next_id
        self.received.append({"symbol": symbol, "side": side, "size": size, "settle": settle})
        status = "EXECUTED" if execution_type == "MARKET" else "ORDERED"
        self.orders_by_id[oid] = ExOrder(
            oid,
            symbol,
            side,
            execution_type,
            settle,
            size,
            size if status == "EXECUTED" else Decimal(0),
            price,
            status,
            self.clock(),
        )
        if status == "EXECUTED":
            self.executions.append(
                ExExecution(
                    oid * 10,
                    oid,
                    symbol,
                    side,
                    settle,
                    size,
                    self.fill_price,
                    Decimal(0),
                    Decimal(0),
                    self.clock(),
                )
            )
            if settle == "OPEN":
                self.positions.append(ExPosition(oid, symbol, side, size, self.fill_price, Decimal(0)))
            else:
                want = "BUY" if side == "SELL" else "SELL"
                self.positions = [p for p in self.positions if not (p.symbol == symbol and p.side == want)]
        if self.unknown_next:
            self.unknown_next -= 1
            raise SendOutcomeUnknownError("read timeout after sending")
        return oid

    async def place_order(
        self, *, symbol: str, side: str, execution_type: str, size: Decimal, price: Decimal | None
    ) -> int:
        return self._place(symbol, side, execution_type, size, price, "OPEN")

    async def close_bulk(
        self, *, symbol: str, side: str, execution_type: str, size: Decimal, price: Decimal | None
    ) -> int:
        return self._place(symbol, side, execution_type, size, price, "CLOSE")

    async def cancel_order(self, order_id: int) -> None:
        o = self.orders_by_id[order_id]
        self.orders_by_id[order_id] = ExOrder(
            o.order_id,
            o.symbol,
            o.side,
            o.execution_type,
            o.settle_type,
            o.size,
            o.executed_size,
            o.price,
            "CANCELED",
            o.timestamp,
        )

    async def cancel_all(self, symbol: str) -> list[int]:
        ids = [o.order_id for o in await self.active_orders(symbol)]
        for oid in ids:
            await self.cancel_order(oid)
        return ids

    async def active_orders(self, symbol: str) -> list[ExOrder]:
        return [o for o in self.orders_by_id.values() if o.symbol == symbol and o.is_open]

    async def orders(self, order_ids: list[int]) -> list[ExOrder]:
        return [self.orders_by_id[i] for i in order_ids if i in self.orders_by_id]

    async def latest_executions(self, symbol: str) -> list[ExExecution]:
        return [e for e in self.executions if e.symbol == symbol][-100:]

    async def open_positions(self, symbol: str) -> list[ExPosition]:
        return [p for p in self.positions if p.symbol == symbol]

    async def margin(self) -> ExMargin:
        return ExMargin(Decimal("10000000"), Decimal("9000000"), self.margin_in_use, Decimal(0))

    async def jpy_balance(self) -> Decimal:
        return Decimal("10000000")


RULES = {"BTC_JPY": SymbolRules("BTC_JPY", Decimal("0.0001"), Decimal("5"), Decimal("0.0001"), Decimal("1"))}
