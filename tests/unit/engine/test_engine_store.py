from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.engine.store import IntentState, StateStore, StoredExecution

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def test_store_is_wal_and_survives_reopen(tmp_path: Path) -> None:
    s = StateStore.in_var_dir(tmp_path)
    assert s.journal_mode() == "wal"
    it = s.record_intent(
        symbol="BTC_JPY",
        side="BUY",
        action="open",
        execution_type="MARKET",
        size=Decimal("0.01"),
        price=None,
        reason="t",
        now=NOW,
    )
    s.transition(it.id, IntentState.CONFIRMED, now=NOW, exchange_order_id=77)
    s.put_fact("peak", {"equity": "100"})
    s.close()
    again = StateStore.in_var_dir(tmp_path)
    got = again.intent(it.id)
    assert got.state is IntentState.CONFIRMED
    assert got.exchange_order_id == 77
    assert got.size == Decimal("0.01")
    assert got.created_at == NOW
    assert again.known_order_ids() == {77}
    assert again.intent_for_order(77) == got
    assert again.get_fact("peak") == {"equity": "100"}
    assert again.get_fact("missing") is None
    again.close()


def test_execution_is_counted_once(store: StateStore) -> None:
    e = StoredExecution(
        1, 2, "BTC_JPY", "BUY", "OPEN", Decimal("0.01"), Decimal("100"), Decimal("-5"), Decimal("1"), NOW
    )
    assert store.add_execution(e) is True
    assert store.add_execution(e) is False
    assert store.execution_count() == 1
    assert store.realised_since(NOW) == Decimal("-6")


def test_unknown_intent_and_naive_time_are_refused(store: StateStore) -> None:
    with pytest.raises(KeyError, match="no intent with id 9"):
        store.transition(9, IntentState.REJECTED, now=NOW)
    with pytest.raises(ValueError, match="naive"):
        store.record_intent(
            symbol="BTC_JPY",
            side="BUY",
            action="open",
            execution_type="MARKET",
            size=Decimal(1),
            price=None,
            reason="",
            now=datetime(2026, 1, 1),
        )


def test_intents_filter_by_state(store: StateStore) -> None:
    a = store.record_intent(
        symbol="BTC_JPY",
        side="BUY",
        action="open",
        execution_type="MARKET",
        size=Decimal(1),
        price=None,
        reason="",
        now=NOW,
    )
    b = store.record_intent(
        symbol="BTC_JPY",
        side="SELL",
        action="close",
        execution_type="LIMIT",
        size=Decimal(1),
        price=Decimal("5"),
        reason="",
        now=NOW,
    )
    store.transition(a.id, IntentState.UNRESOLVED, now=NOW)
    assert [i.id for i in store.intents([IntentState.UNRESOLVED])] == [a.id]
    assert [i.id for i in store.intents([IntentState.PENDING])] == [b.id]
    assert store.intent(b.id).price == Decimal("5")
