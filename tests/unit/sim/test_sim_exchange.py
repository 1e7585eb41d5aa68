"""Matching, positions, P&L and margin of the simulated exchange (no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tradingbot.sim.book import Market
from tradingbot.sim.config import DEFAULT_SPECS, SymbolSpec
from tradingbot.sim.exchange import Exchange, ExchangeError, jpy
from tradingbot.sim.prices import symbol_rng
from tradingbot.sim.wire import num

KEY = "unit-key"
SYMBOL = "BTC_JPY"
SIZE = Decimal("0.01")
FIXED_NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def make_exchange(
    *, fees: bool = False, initial_jpy: Decimal = Decimal("10000000"), history_cap: int = 10000
) -> Exchange:
    base = DEFAULT_SPECS["BTC_JPY"]
    spec = (
        SymbolSpec(
            base.symbol,
            base.min_order_size,
            base.max_order_size,
            base.size_step,
            base.tick_size,
            base.initial_price,
            taker_fee=Decimal("0.0005"),
            maker_fee=Decimal("-0.0001"),
        )
        if fees
        else base
    )
    market = Market(spec, spec.initial_price, symbol_rng(1, spec.symbol, "book"), 20, history_cap)
    return Exchange(
        {spec.symbol: spec},
        {spec.symbol: market},
        [KEY],
        initial_jpy,
        clock=lambda: FIXED_NOW,
        history_cap=history_cap,
    )


@pytest.fixture
def exchange() -> Exchange:
    return make_exchange()


def channels(events: list) -> list[str]:  # type: ignore[type-arg]
    return [e.channel for e in events]


def test_market_buy_fills_at_best_ask_and_opens_position(exchange: Exchange) -> None:
    market = exchange.markets[SYMBOL]
    ask = market.best_ask
    order, events = exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)
    assert order.status == "EXECUTED"
    assert order.executed_size == SIZE
    assert order.time_in_force == "FAK"
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    assert (pos.side, pos.size, pos.price) == ("BUY", SIZE, ask)
    assert channels(events)[:3] == ["orderEvents", "executionEvents", "positionEvents"]
    assert events[2].payload["msgType"] == "OPR"
    (execution,) = exchange.executions.values()
    assert execution.view()["positionId"] == pos.position_id
    assert execution.view()["settleType"] == "OPEN"
    # Unrealised: a long is valued at the bid.
    assert exchange.unrealised(pos) == jpy((market.best_bid - ask) * SIZE)


def test_round_trip_realises_pnl_into_cash(exchange: Exchange) -> None:
    start = exchange.accounts[KEY].cash
    _order, _ = exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.05"))
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    market = exchange.markets[SYMBOL]
    market.reprice(pos.price + 100000, exchange.clock())
    bid = market.best_bid
    close, events = exchange.close_order(KEY, SYMBOL, "SELL", "MARKET", [(pos.position_id, Decimal("0.05"))])
    assert close.status == "EXECUTED"
    assert exchange.open_positions(KEY, SYMBOL) == []
    gain = jpy((bid - pos.price) * Decimal("0.05"))
    assert gain > 0
    assert exchange.accounts[KEY].cash == start + gain
    ex = [e for e in events if e.channel == "executionEvents"]
    assert ex[0].payload["lossGain"] == num(gain)
    assert [e.payload["msgType"] for e in events if e.channel == "positionEvents"][-1] == "CPR"


def test_short_position_pnl_sign(exchange: Exchange) -> None:
    exchange.place_order(KEY, SYMBOL, "SELL", "MARKET", SIZE)
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    market = exchange.markets[SYMBOL]
    market.reprice(pos.price - 200000, exchange.clock())
    assert exchange.unrealised(pos) == jpy((pos.price - market.best_ask) * SIZE)
    assert exchange.unrealised(pos) > 0


def test_fees_are_charged_on_open_and_close() -> None:
    ex = make_exchange(fees=True)
    start = ex.accounts[KEY].cash
    ask = ex.markets[SYMBOL].best_ask
    _, events = ex.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("1"))
    fee = jpy(ask * Decimal("0.0005"))
    assert (
        next(e.payload["fee"] for e in events if e.channel == "executionEvents") == num(fee) if fee else True
    )
    assert ex.accounts[KEY].cash <= start - fee + 1  # multi-level fills round per execution


def test_margin_view_math(exchange: Exchange) -> None:
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.1"))
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    view = exchange.margin_view(KEY)
    upl = exchange.unrealised(pos)
    used = jpy(pos.price * Decimal("0.1") / 2)
    equity = Decimal("10000000") + upl
    assert view["profitLoss"] == num(upl)
    assert view["actualProfitLoss"] == num(equity)
    assert view["margin"] == num(used)
    assert view["availableAmount"] == num(jpy(equity - pos.price * Decimal("0.1") / 2))
    assert view["marginCallStatus"] == "NORMAL"
    assert Decimal(view["marginRatio"]) == (equity / (pos.price * Decimal("0.1") / 2) * 100).quantize(
        Decimal("0.1"), rounding="ROUND_DOWN"
    )


def test_insufficient_margin_is_err_201() -> None:
    ex = make_exchange(initial_jpy=Decimal("100000"))
    # 0.02 BTC at ~15M JPY is 300k notional, 150k margin at 2x: more than 100k.
    with pytest.raises(ExchangeError) as info:
        ex.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.02"))
    assert info.value.code == "ERR-201"
    assert ex.orders == {}
    # 0.01 BTC needs ~75k: fine at 2x leverage.
    ex.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.01"))


@pytest.mark.parametrize(
    ("size", "code"),
    [(Decimal("0.001"), "ERR-5114"), (Decimal("0.015"), "ERR-5114"), (Decimal("6"), "ERR-5114")],
)
def test_size_rules(exchange: Exchange, size: Decimal, code: str) -> None:
    with pytest.raises(ExchangeError) as info:
        exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", size)
    assert info.value.code == code
    assert str(size) in info.value.detail


def test_bad_parameters_are_err_5106(exchange: Exchange) -> None:
    calls: list[Callable[[], object]] = [
        lambda: exchange.place_order(KEY, "DOGE_JPY", "BUY", "MARKET", SIZE),
        lambda: exchange.place_order(KEY, SYMBOL, "HOLD", "MARKET", SIZE),
        lambda: exchange.place_order(KEY, SYMBOL, "BUY", "STOP", SIZE),
        lambda: exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE),
        lambda: exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, Decimal("100.5")),
        lambda: exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE, None, "FAS"),
    ]
    for call in calls:
        with pytest.raises(ExchangeError) as info:
            call()
        assert info.value.code == "ERR-5106"


def test_limit_rests_then_fills_when_price_crosses(exchange: Exchange) -> None:
    market = exchange.markets[SYMBOL]
    limit = market.best_bid - 10000
    order, events = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, limit)
    assert order.status == "ORDERED"
    assert order.order_id in exchange.active
    assert channels(events) == ["orderEvents"]
    assert events[0].payload["msgType"] == "NOR"
    assert exchange.on_step() == []  # book unchanged: no cross
    market.reprice(limit - 10000, exchange.clock())
    events = exchange.on_step()
    assert order.status == "EXECUTED"
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    assert pos.price == limit  # filled at its own limit (maker)
    assert "executionEvents" in channels(events)


def test_marketable_limit_fills_immediately_at_book_prices(exchange: Exchange) -> None:
    ask = exchange.markets[SYMBOL].best_ask
    order, _ = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, ask + 5000)
    assert order.status == "EXECUTED"
    assert exchange.open_positions(KEY, SYMBOL)[0].price == ask


def test_time_in_force_fak_fok_sok() -> None:
    exchange = make_exchange(initial_jpy=Decimal("1000000000"))
    market = exchange.markets[SYMBOL]
    top_price, top_size = market.asks[0].price, market.asks[0].size
    # FAK: takes the top level only (limit = top price), the rest expires.
    fak, events = exchange.place_order(
        KEY, SYMBOL, "BUY", "LIMIT", top_size + Decimal("0.01"), top_price, "FAK"
    )
    assert fak.status == "CANCELED"
    assert fak.cancel_type == "EXPIRED_FAK"
    assert fak.executed_size == top_size
    assert events[-1].channel in ("orderEvents", "positionSummaryEvents")
    # FOK: cannot fill whole -> nothing at all.
    before = len(exchange.executions)
    fok, _ = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", Decimal("0.01"), market.best_bid, "FOK")
    assert (fok.status, fok.cancel_type) == ("CANCELED", "EXPIRED_FOK")
    assert fok.executed_size == 0
    assert len(exchange.executions) == before
    # SOK (post-only): marketable -> cancelled; passive -> rests.
    sok, _ = exchange.place_order(KEY, SYMBOL, "SELL", "LIMIT", SIZE, market.best_bid, "SOK")
    assert sok.cancel_type == "EXPIRED_SOK"
    passive, _ = exchange.place_order(KEY, SYMBOL, "SELL", "LIMIT", SIZE, market.best_ask + 100000, "SOK")
    assert passive.status == "ORDERED"


def test_cancel_and_cancel_bulk(exchange: Exchange) -> None:
    bid = exchange.markets[SYMBOL].best_bid
    a, _ = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, bid - 1000)
    b, _ = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, bid - 2000)
    c, _ = exchange.place_order(KEY, SYMBOL, "SELL", "LIMIT", SIZE, bid + 900000)
    events = exchange.cancel_order(KEY, a.order_id)
    assert a.status == "CANCELED"
    assert events[0].payload["msgType"] == "COR"
    assert events[0].payload["cancelType"] == "USER"
    with pytest.raises(ExchangeError) as info:
        exchange.cancel_order(KEY, a.order_id)
    assert info.value.code == "ERR-5122"
    with pytest.raises(ExchangeError):
        exchange.cancel_order(KEY, 424242)
    ids, _ = exchange.cancel_bulk(KEY, [SYMBOL], "BUY", None)
    assert ids == [b.order_id]
    assert c.order_id in exchange.active


def test_close_order_validates_positions(exchange: Exchange) -> None:
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.03"))
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    for settle, side, code in (
        ([(123, SIZE)], "SELL", "ERR-254"),
        ([(pos.position_id, Decimal("0.04"))], "SELL", "ERR-254"),
        ([(pos.position_id, SIZE)], "BUY", "ERR-5106"),
    ):
        with pytest.raises(ExchangeError) as info:
            exchange.close_order(KEY, SYMBOL, side, "MARKET", settle)
        assert info.value.code == code


def test_resting_close_reserves_orderd_size_and_cancel_releases(exchange: Exchange) -> None:
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.03"))
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    far = exchange.markets[SYMBOL].best_ask + 1_000_000
    order, _events = exchange.close_order(
        KEY, SYMBOL, "SELL", "LIMIT", [(pos.position_id, Decimal("0.02"))], far
    )
    assert pos.ordered_size == Decimal("0.02")
    assert exchange.position_view(pos)["orderdSize"] == "0.02"
    assert exchange.summaries(KEY, SYMBOL)[0]["sumOrderQuantity"] == "0.02"
    # Only 0.01 is left to close.
    with pytest.raises(ExchangeError):
        exchange.close_order(KEY, SYMBOL, "SELL", "MARKET", [(pos.position_id, Decimal("0.02"))])
    exchange.cancel_order(KEY, order.order_id)
    assert pos.ordered_size == 0


def test_partial_close_keeps_position(exchange: Exchange) -> None:
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.03"))
    (pos,) = exchange.open_positions(KEY, SYMBOL)
    _, events = exchange.close_order(KEY, SYMBOL, "SELL", "MARKET", [(pos.position_id, SIZE)])
    assert pos.size == Decimal("0.02")
    assert [e.payload["msgType"] for e in events if e.channel == "positionEvents"][-1] == "UPR"


def test_close_bulk_closes_oldest_positions_first(exchange: Exchange) -> None:
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", Decimal("0.02"))
    _first, second = exchange.open_positions(KEY, SYMBOL)
    order, _ = exchange.close_bulk_order(KEY, SYMBOL, "SELL", "MARKET", Decimal("0.02"))
    assert order.settle_type == "CLOSE"
    (left,) = exchange.open_positions(KEY, SYMBOL)
    assert left.position_id == second.position_id
    assert left.size == SIZE
    with pytest.raises(ExchangeError) as info:
        exchange.close_bulk_order(KEY, SYMBOL, "SELL", "MARKET", Decimal("0.02"))
    assert info.value.code == "ERR-254"
    # BUY closes shorts; there are none.
    with pytest.raises(ExchangeError):
        exchange.close_bulk_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)


def test_summary_views(exchange: Exchange) -> None:
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)
    exchange.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)
    (summary,) = exchange.summaries(KEY, SYMBOL)
    prices = [p.price for p in exchange.open_positions(KEY, SYMBOL)]
    assert summary["side"] == "BUY"
    assert summary["sumPositionQuantity"] == "0.02"
    assert Decimal(summary["averagePositionRate"]) == sum(prices) / 2


def test_history_is_capped() -> None:
    ex = make_exchange(history_cap=20)
    bid = ex.markets[SYMBOL].best_bid
    resting, _ = ex.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, bid - 50000)
    for _ in range(40):
        _, _ = ex.place_order(KEY, SYMBOL, "BUY", "MARKET", SIZE)
        ex.close_bulk_order(KEY, SYMBOL, "SELL", "MARKET", SIZE)
    assert len(ex.executions) <= 20
    assert len(ex.orders) <= 21
    assert resting.order_id in ex.orders  # active orders are never forgotten


def test_order_view_wire_shape(exchange: Exchange) -> None:
    order, _ = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, Decimal("14000000"))
    view = order.view()
    assert view["orderId"] == order.order_id
    assert isinstance(view["orderId"], int)
    assert view["price"] == "14000000"
    assert view["size"] == "0.01"
    assert view["executedSize"] == "0"
    assert view["timestamp"] == "2026-01-02T03:04:05.678Z"
    assert set(view) == {
        "rootOrderId",
        "orderId",
        "symbol",
        "side",
        "orderType",
        "executionType",
        "settleType",
        "size",
        "executedSize",
        "price",
        "losscutPrice",
        "status",
        "timeInForce",
        "timestamp",
    }


def test_halted_exchange_does_not_match_resting_orders(exchange: Exchange) -> None:
    market = exchange.markets[SYMBOL]
    order, _ = exchange.place_order(KEY, SYMBOL, "BUY", "LIMIT", SIZE, market.best_bid - 10000)
    market.reprice(market.best_bid - 50000, exchange.clock())
    exchange.halted = True
    assert exchange.on_step() == []
    assert order.status == "ORDERED"
    exchange.halted = False
    assert exchange.on_step() != []
    assert order.status == "EXECUTED"
