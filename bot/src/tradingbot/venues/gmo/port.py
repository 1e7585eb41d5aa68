"""Adapter: :class:`tradingbot.venues.gmo.GmoRestClient` as the engine's :class:`ExchangePort`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from tradingbot.exchange.ports import (
    ExchangeRejectedError,
    ExExecution,
    ExMargin,
    ExOrder,
    ExPosition,
    SendOutcomeUnknownError,
)
from tradingbot.marketdata import Ticker
from tradingbot.venues.gmo.errors import ErrorCategory, GmoError, InvalidOrder, OutcomeUnknown
from tradingbot.venues.gmo.models import Execution, ExecutionType, Order, OrderRequest, Position, Side
from tradingbot.venues.gmo.rest import GmoRestClient


def _order(o: Order) -> ExOrder:
    return ExOrder(
        order_id=o.order_id,
        symbol=o.symbol,
        side=o.side.value,
        execution_type=o.execution_type.value,
        settle_type=o.settle_type.value,
        size=o.size,
        executed_size=o.executed_size,
        price=o.price if o.execution_type is not ExecutionType.MARKET else None,
        status=o.status.value,
        timestamp=o.timestamp,
    )


def _execution(e: Execution) -> ExExecution:
    return ExExecution(
        execution_id=e.execution_id,
        order_id=e.order_id,
        symbol=e.symbol,
        side=e.side.value,
        settle_type=e.settle_type.value,
        size=e.size,
        price=e.price,
        loss_gain=e.loss_gain,
        fee=e.fee,
        timestamp=e.timestamp,
    )


def _position(p: Position) -> ExPosition:
    return ExPosition(p.position_id, p.symbol, p.side.value, p.size, p.price, p.loss_gain)


@contextmanager
def _send_errors_in_engine_terms() -> Iterator[None]:
    """The client's write errors as the port's: unknown outcome, or a definite rejection."""
    try:
        yield
    except OutcomeUnknown as exc:
        raise SendOutcomeUnknownError(str(exc)) from exc
    except GmoError as exc:
        raise ExchangeRejectedError(str(exc), category=exc.category.value, codes=exc.codes) from exc
    except InvalidOrder as exc:
        raise ExchangeRejectedError(str(exc), category="invalid_request") from exc


class GmoExchangePort:
    def __init__(self, client: GmoRestClient) -> None:
        self.client = client

    async def place_order(
        self, *, symbol: str, side: str, execution_type: str, size: Decimal, price: Decimal | None
    ) -> int:
        request = OrderRequest(
            symbol=symbol,
            side=Side(side),
            execution_type=ExecutionType(execution_type),
            size=size,
            price=price,
        )
        with _send_errors_in_engine_terms():
            return await self.client.place_order(request)

    async def close_bulk(
        self, *, symbol: str, side: str, execution_type: str, size: Decimal, price: Decimal | None
    ) -> int:
        with _send_errors_in_engine_terms():
            return await self.client.close_bulk_order(
                symbol, Side(side), ExecutionType(execution_type), size, price
            )

    async def cancel_order(self, order_id: int) -> None:
        await self.client.cancel_order(order_id)

    async def cancel_all(self, symbol: str) -> list[int]:
        return await self.client.cancel_bulk_order([symbol])

    async def active_orders(self, symbol: str) -> list[ExOrder]:
        return [_order(o) for o in await self.client.get_active_orders(symbol)]

    async def orders(self, order_ids: list[int]) -> list[ExOrder]:
        found: list[ExOrder] = []
        for start in range(0, len(order_ids), 10):  # GMO takes at most 10 ids a request
            found += [_order(o) for o in await self.client.get_orders(order_ids[start : start + 10])]
        return found

    async def latest_executions(self, symbol: str) -> list[ExExecution]:
        return [_execution(e) for e in await self.client.get_latest_executions(symbol)]

    async def open_positions(self, symbol: str) -> list[ExPosition]:
        return [_position(p) for p in await self.client.get_open_positions(symbol)]

    async def margin(self) -> ExMargin:
        m = await self.client.get_margin()
        return ExMargin(m.actual_profit_loss, m.available_amount, m.margin, m.profit_loss)

    async def jpy_balance(self) -> Decimal:
        for asset in await self.client.get_assets():
            if asset.symbol == "JPY":
                return asset.amount
        return Decimal(0)

    async def ticker(self, symbol: str) -> Ticker:
        t = await self.client.get_ticker(symbol)
        # The same rules as a stream ticker (feeds.to_neutral): prices above 0, bid at most ask.
        if not (t.bid > 0 and t.ask > 0 and t.last > 0) or t.bid > t.ask or t.symbol != symbol:
            raise GmoError(
                f"GET /v1/ticker: unusable ticker for {symbol}: bid {t.bid} ask {t.ask}",
                category=ErrorCategory.EXCHANGE,
            )
        return Ticker(t.symbol, t.bid, t.ask, t.last, t.volume, t.timestamp)
