"""The read-only queries against a store written by the engine's own StateStore (the schema's owner)."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.engine.store import IntentState, StateStore, StoredExecution
from tradingbot.reports import store_reader

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _store(path: Path) -> StateStore:
    store = StateStore(path)
    a = store.record_intent(symbol="BTC_JPY", side="BUY", action="open", execution_type="MARKET",
                            size=Decimal("0.02"), price=None, reason="cross up", now=T0)  # fmt: skip
    store.transition(a.id, IntentState.CONFIRMED, now=T0, exchange_order_id=11)
    b = store.record_intent(symbol="BTC_JPY", side="SELL", action="close", execution_type="MARKET",
                            size=Decimal("0.01"), price=None, reason="cross down", now=T0)  # fmt: skip
    store.transition(b.id, IntentState.CONFIRMED, now=T0, exchange_order_id=12)
    c = store.record_intent(symbol="BTC_JPY", side="SELL", action="close", execution_type="MARKET",
                            size=Decimal("0.01"), price=None, reason="rejected one", now=T0)  # fmt: skip
    store.transition(c.id, IntentState.REJECTED, now=T0, detail="ERR-201")
    for eid, oid, settle, side, size, lg, at in (
        (1, 11, "OPEN", "BUY", "0.01", "0", T0),
        (2, 11, "OPEN", "BUY", "0.01", "0", T0 + timedelta(seconds=1)),
        (3, 12, "CLOSE", "SELL", "0.01", "50", T0 + timedelta(seconds=2)),
    ):
        store.add_execution(StoredExecution(eid, oid, "BTC_JPY", side, settle, Decimal(size),
                                            Decimal("15000000"), Decimal(lg), Decimal("1"), at))  # fmt: skip
    return store


def test_reads_fills_and_intents_written_by_the_engine(tmp_path: Path) -> None:
    store = _store(tmp_path / "state" / "engine.sqlite3")
    try:
        with store_reader.open_readonly(store.path) as db:
            fills = store_reader.fills(db)
            since = store_reader.fills(db, since=T0 + timedelta(seconds=1))
            recent = store_reader.recent_intents(db, 2)
            open_rows = store_reader.open_intents(db)
    finally:
        store.close()
    assert [f.execution_id for f in fills] == [1, 2, 3]
    assert fills[2].loss_gain == Decimal(50)
    assert fills[2].fee == Decimal(1)
    assert [f.execution_id for f in since] == [2, 3]
    assert [i.reason for i in recent] == ["rejected one", "cross down"]
    assert recent[0].state == "rejected"
    assert recent[0].detail == "ERR-201"
    # Order 11 is fully filled (0.02), order 12 too (0.01): nothing open; the rejected one never was.
    assert open_rows == []


def test_a_confirmed_order_short_of_its_size_is_open(tmp_path: Path) -> None:
    store = _store(tmp_path / "engine.sqlite3")
    d = store.record_intent(
        symbol="BTC_JPY", side="BUY", action="open", execution_type="LIMIT", size=Decimal("0.03"),
        price=Decimal("14000000"), reason="limit", now=T0,
    )  # fmt: skip
    store.transition(d.id, IntentState.CONFIRMED, now=T0, exchange_order_id=13)
    store.add_execution(StoredExecution(9, 13, "BTC_JPY", "BUY", "OPEN", Decimal("0.01"),
                                        Decimal("14000000"), Decimal(0), Decimal(0), T0))  # fmt: skip
    try:
        with store_reader.open_readonly(store.path) as db:
            open_rows = store_reader.open_intents(db)
    finally:
        store.close()
    assert [(i.exchange_order_id, i.executed) for i in open_rows] == [(13, Decimal("0.01"))]


def test_reading_never_writes(tmp_path: Path) -> None:
    store = _store(tmp_path / "engine.sqlite3")
    store.close()
    with (
        store_reader.open_readonly(tmp_path / "engine.sqlite3") as db,
        pytest.raises(Exception, match="readonly"),
    ):
        db.execute("DELETE FROM executions")


def test_missing_or_foreign_files_are_clear_errors(tmp_path: Path) -> None:
    with (
        pytest.raises(store_reader.StoreUnavailableError, match="no trading store at"),
        store_reader.open_readonly(tmp_path / "nope.sqlite3"),
    ):
        pass
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.close()
    with (
        pytest.raises(store_reader.StoreUnavailableError, match="is not a trading store"),
        store_reader.open_readonly(other),
    ):
        pass


def test_default_store_is_the_newest(tmp_path: Path) -> None:
    assert store_reader.default_store(tmp_path) is None
    state = tmp_path / "state"
    state.mkdir()
    (state / "engine.sqlite3").write_bytes(b"")
    (state / "paper-embedded.sqlite3").write_bytes(b"")
    os.utime(state / "engine.sqlite3", (1_000_000, 1_000_000))
    assert store_reader.default_store(tmp_path) == state / "paper-embedded.sqlite3"
    os.utime(state / "paper-embedded.sqlite3", (500_000, 500_000))
    assert store_reader.default_store(tmp_path) == state / "engine.sqlite3"


def test_last_returns_the_newest_fills_in_time_order_and_the_version_moves(tmp_path: Path) -> None:
    store = _store(tmp_path / "engine.sqlite3")
    try:
        with store_reader.open_readonly(store.path) as db:
            newest = store_reader.fills(db, last=2)
            before = store_reader.fills_version(db, since=T0 + timedelta(seconds=1))
        store.add_execution(StoredExecution(7, 12, "BTC_JPY", "SELL", "CLOSE", Decimal("0.01"),
                                            Decimal("15000000"), Decimal(1), Decimal(0),
                                            T0 + timedelta(seconds=9)))  # fmt: skip
        with store_reader.open_readonly(store.path) as db:
            after = store_reader.fills_version(db, since=T0 + timedelta(seconds=1))
    finally:
        store.close()
    assert [f.execution_id for f in newest] == [2, 3]
    assert before == (2, 3)
    assert after == (3, 7)
