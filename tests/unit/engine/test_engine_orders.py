from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from engine_fakes import RULES, FakeClock, FakeExchange
from tradingbot.engine.orders import Action, OrderIntent, OrderManager, Outcome
from tradingbot.engine.store import IntentState, StateStore


def _manager(
    store: StateStore,
    exchange: FakeExchange,
    clock: FakeClock,
    events: list[tuple[str, dict[str, Any]]] | None = None,
) -> OrderManager:
    sink = (lambda k, f: events.append((k, f))) if events is not None else (lambda k, f: None)
    return OrderManager(store, exchange, RULES, on_event=sink, clock=clock)


async def test_intent_is_written_before_the_send(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    seen_states: list[list[IntentState]] = []
    original = exchange.place_order

    async def spying_send(**kw: Any) -> int:
        seen_states.append([i.state for i in store.intents()])
        return await original(**kw)

    exchange.place_order = spying_send  # type: ignore[method-assign]
    events: list[tuple[str, dict[str, Any]]] = []
    result = await _manager(store, exchange, clock, events).submit(
        OrderIntent("BTC_JPY", "BUY", Decimal("0.01234567"))
    )
    assert seen_states == [[IntentState.PENDING]]
    assert result.outcome is Outcome.CONFIRMED
    stored = store.intent(result.intent_id or 0)
    assert stored.state is IntentState.CONFIRMED
    assert stored.exchange_order_id == result.order_id
    assert stored.size == Decimal("0.0123")  # rounded down to the size step
    assert exchange.received[0]["size"] == Decimal("0.0123")
    assert [k for k, _ in events] == ["order_intent", "order_outcome"]


async def test_rejection_is_final(store: StateStore, exchange: FakeExchange, clock: FakeClock) -> None:
    exchange.reject_next = 1
    result = await _manager(store, exchange, clock).submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.01")))
    assert result.outcome is Outcome.REJECTED
    assert "ERR-208" in result.detail
    assert store.intent(result.intent_id or 0).state is IntentState.REJECTED


async def test_too_small_is_skipped_without_a_write(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    result = await _manager(store, exchange, clock).submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.00001")))
    assert result.outcome is Outcome.SKIPPED
    assert store.intents() == []
    assert exchange.received == []


async def test_unknown_outcome_resolves_from_executions_without_resending(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    om = _manager(store, exchange, clock)
    exchange.unknown_next = 1
    first = await om.submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.01")))
    assert first.outcome is Outcome.UNRESOLVED
    blocked = await om.submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.01")))
    assert blocked.outcome is Outcome.BLOCKED
    changed = await om.resolve()
    assert len(exchange.received) == 1
    assert [c.state for c in changed] == [IntentState.CONFIRMED]
    assert changed[0].exchange_order_id == next(iter(exchange.orders_by_id))
    assert not om.is_blocked("BTC_JPY")


async def test_unknown_outcome_resolves_from_active_orders(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    om = _manager(store, exchange, clock)
    exchange.unknown_next = 1
    await om.submit(
        OrderIntent("BTC_JPY", "SELL", Decimal("0.01"), execution_type="LIMIT", price=Decimal("1000000.4"))
    )
    changed = await om.resolve()
    assert changed[0].state is IntentState.CONFIRMED
    order = exchange.orders_by_id[changed[0].exchange_order_id or 0]
    assert order.status == "ORDERED"
    assert order.price == Decimal("1000001")  # SELL rounds up to the tick


async def test_absent_order_becomes_not_placed_only_after_settle_time(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    om = _manager(store, exchange, clock)
    exchange.unknown_next = 1
    exchange.unknown_before_placing = True
    await om.submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.01")))
    assert await om.resolve() == []
    assert om.is_blocked("BTC_JPY")
    clock.advance(6)
    changed = await om.resolve()
    assert [c.state for c in changed] == [IntentState.NOT_PLACED]
    assert exchange.received == []


async def test_resolution_ignores_orders_owned_or_outside_the_window(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    om = _manager(store, exchange, clock)
    owned = await om.submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.01")))
    clock.advance(300)
    exchange.unknown_next = 1
    exchange.unknown_before_placing = True
    await om.submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.01")))
    clock.advance(10)
    changed = await om.resolve()
    # The only matching-looking order is owned by the first intent: never bound twice.
    assert [c.state for c in changed] == [IntentState.NOT_PLACED]
    assert owned.order_id in store.known_order_ids()


async def test_crash_left_pending_is_resolved_at_start(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    # Simulate a crash between the write and the answer: the order reached the exchange.
    store.record_intent(
        symbol="BTC_JPY",
        side="SELL",
        action="open",
        execution_type="MARKET",
        size=Decimal("0.02"),
        price=None,
        reason="",
        now=clock(),
    )
    await exchange.place_order(
        symbol="BTC_JPY", side="SELL", execution_type="MARKET", size=Decimal("0.02"), price=None
    )
    changed = await _manager(store, exchange, clock).resolve()
    assert [c.state for c in changed] == [IntentState.CONFIRMED]
    assert len(exchange.received) == 1


async def test_close_intent_uses_close_bulk_and_closed_state(
    store: StateStore, exchange: FakeExchange, clock: FakeClock
) -> None:
    om = _manager(store, exchange, clock)
    await om.submit(OrderIntent("BTC_JPY", "BUY", Decimal("0.01")))
    res = await om.submit(OrderIntent("BTC_JPY", "SELL", Decimal("0.01"), action=Action.CLOSE))
    assert exchange.received[-1]["settle"] == "CLOSE"
    assert exchange.positions == []
    assert await om.close_finished() == 2
    assert store.intent(res.intent_id or 0).state is IntentState.CLOSED


def test_intent_validation() -> None:
    with pytest.raises(ValueError, match="side must be BUY or SELL, got 'buy'"):
        OrderIntent("BTC_JPY", "buy", Decimal(1))
    with pytest.raises(ValueError, match="LIMIT intent needs a price"):
        OrderIntent("BTC_JPY", "BUY", Decimal(1), execution_type="LIMIT")
