"""changeOrder, cancelOrders, changeLosscutPrice and tradingVolume on the simulated exchange (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tradingbot.sim import amend
from tradingbot.sim.book import Market
from tradingbot.sim.config import DEFAULT_SPECS
from tradingbot.sim.exchange import Exchange, ExchangeError
from tradingbot.sim.prices import symbol_rng

KEY = "unit-key"
SYMBOL = "BTC_JPY"
SIZE = Decimal("0.01")


@pytest.fixture
def exchange() -> Exchange:
    spec = replace(DEFAULT_SPECS[SYMBOL], taker_fee=Decimal("0.0005"), maker_fee=Decimal("-0.0001"))
    market = Market(spec, spec.initial_price, symbol_rng(1, SYMBOL, "book"), 20, 1000)
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return Exchange({SYMBOL: spec}, {SYMBOL: market}, [KEY], Decimal(10_000_000), clock=lambda: now)


def _resting_buy(exchange: Exchange) -> int:
    below = exchange.markets[SYMBOL].best_bid - 1000
    order, _ = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, below)
    assert order.order_id in exchange.active
    return order.order_id


def test_change_order_moves_a_resting_order(exchange: Exchange) -> None:
    order_id = _resting_buy(exchange)
    new_price = exchange.markets[SYMBOL].best_bid - 10
    events = amend.change_order(exchange, KEY, order_id, new_price, Decimal(1000))
    (event,) = events
    assert event.channel == "orderEvents"
    assert (event.payload["msgType"], event.payload["orderStatus"]) == ("ROR", "ORDERED")
    assert event.payload["orderPrice"] == str(new_price)
    view = exchange.orders[order_id].view()
    assert (view["price"], view["losscutPrice"], view["status"]) == (str(new_price), "1000", "ORDERED")


def test_change_order_into_the_book_trades_as_taker(exchange: Exchange) -> None:
    order_id = _resting_buy(exchange)
    ask = exchange.markets[SYMBOL].best_ask
    events = amend.change_order(exchange, KEY, order_id, ask, None)
    assert [e.channel for e in events][:2] == ["orderEvents", "executionEvents"]
    execution = events[1].payload
    assert execution["executionPrice"] == str(ask)
    # Taker fee (0.0005), not the maker rebate.
    assert Decimal(execution["fee"]) == (ask * SIZE * Decimal("0.0005")).quantize(Decimal(1), "ROUND_DOWN")
    assert exchange.orders[order_id].status == "EXECUTED"
    assert order_id not in exchange.active


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"order_id": 999}, "ERR-5122"),
        ({"price": Decimal("0.5")}, "ERR-5106"),
        ({"price": Decimal(0)}, "ERR-5106"),
        ({"losscut": Decimal("-1")}, "ERR-5106"),
        ({"price": Decimal(10**12)}, "ERR-201"),
    ],
)
def test_change_order_refusals(exchange: Exchange, change: dict[str, object], code: str) -> None:
    order_id = _resting_buy(exchange)
    before = exchange.orders[order_id].view()
    args = {"order_id": order_id, "price": exchange.markets[SYMBOL].best_bid - 10, "losscut": None}
    args.update(change)
    with pytest.raises(ExchangeError) as info:
        amend.change_order(exchange, KEY, args["order_id"], args["price"], args["losscut"])  # type: ignore[arg-type]
    assert info.value.code == code
    assert exchange.orders[order_id].view() == before  # a refused change changes nothing


def test_cancel_orders_reports_each_id(exchange: Exchange) -> None:
    first, second = _resting_buy(exchange), _resting_buy(exchange)
    result, events = amend.cancel_orders(exchange, KEY, [first, 123, second])
    assert result.view() == {
        "failed": [
            {
                "message_code": "ERR-5122",
                "message_string": "The request is invalid due to the status of the specified order.",
                "orderId": 123,
            }
        ],
        "success": [first, second],
    }
    assert [e.payload["msgType"] for e in events] == ["COR", "COR"]
    assert exchange.active == {}
    with pytest.raises(ExchangeError, match="1 to 10"):
        amend.cancel_orders(exchange, KEY, list(range(11)))
    with pytest.raises(ExchangeError, match="1 to 10"):
        amend.cancel_orders(exchange, KEY, [])


def test_change_losscut_price(exchange: Exchange) -> None:
    order, _ = exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    bid = exchange.markets[SYMBOL].best_bid
    (event,) = amend.change_losscut_price(exchange, KEY, pos.position_id, bid - 100_000)
    assert (event.channel, event.payload["msgType"]) == ("positionEvents", "ULR")
    assert exchange.position_view(pos)["losscutPrice"] == str(bid - 100_000)
    with pytest.raises(ExchangeError) as info:
        amend.change_losscut_price(exchange, KEY, pos.position_id, bid)  # would trigger at once
    assert info.value.code == "ERR-5106"
    with pytest.raises(ExchangeError) as info:
        amend.change_losscut_price(exchange, KEY, 1, bid - 100_000)
    assert info.value.code == "ERR-254"
    assert order.order_id


def test_trading_volume_counts_this_keys_executions(exchange: Exchange) -> None:
    empty = amend.trading_volume(exchange, KEY, 1)
    assert empty["jpyVolume"] == "0"
    assert empty["tierLevel"] == 1
    (limit,) = empty["limit"]
    assert set(limit) == {"symbol", "todayLimitOpenSize", "takerFee", "makerFee"}
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)
    executed = next(iter(exchange.executions.values()))
    after = amend.trading_volume(exchange, KEY, 2)
    assert Decimal(after["jpyVolume"]) == (executed.price * executed.size).quantize(Decimal(1), "ROUND_DOWN")
    assert Decimal(after["limit"][0]["todayLimitOpenSize"]) == Decimal(limit["todayLimitOpenSize"]) - SIZE
    with pytest.raises(ExchangeError) as info:
        amend.trading_volume(exchange, "nobody", 1)
    assert info.value.code == "ERR-5012"
