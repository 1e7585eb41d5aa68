"""Order states tell the truth (issue 16 item 2): executed market orders reach ``closed``, while running
and at start-up for orders a killed process left ``confirmed``. Real daemon, real simulator."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tradingbot.engine.store import IntentState

from tests.support.daemon_harness import env_for, running_daemon, simulator
from tests.support.eventually import eventually
from tests.support.price_feed import DOWN, UP, feed


async def test_market_orders_reach_closed_in_the_store(tmp_path: Path) -> None:
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path)) as daemon:
        await feed(sim, daemon, UP + DOWN)
        assert daemon.store is not None
        store = daemon.store

        def all_closed() -> bool:
            intents = store.intents()
            return len(intents) >= 3 and all(i.state is IntentState.CLOSED for i in intents)

        await eventually(all_closed, timeout=10, what="every executed market order closed")
        assert {i.detail for i in store.intents()} == {"EXECUTED"}


async def test_orders_left_confirmed_by_a_killed_process_are_closed_at_start(tmp_path: Path) -> None:
    async with simulator() as sim:
        env = env_for(sim, tmp_path)
        async with running_daemon(env) as daemon:
            await feed(sim, daemon, UP + DOWN)
            assert daemon.store is not None
            store = daemon.store
            await eventually(lambda: len(store.intents([IntentState.CLOSED])) >= 3, what="closed orders")
            db = store.path
        # What a process killed between the fill and its bookkeeping leaves behind (the state of the
        # 305 orders of issue 16): executed on the exchange, `confirmed` in the store.
        with sqlite3.connect(db) as con:
            left = con.execute("UPDATE intents SET state = 'confirmed', detail = ''").rowcount
        assert left >= 3
        async with running_daemon(env) as again:
            assert again.store is not None
            # Start-up (reconciliation) already closed them: no tick, no poll interval needed.
            states = {i.id: (i.state, i.detail) for i in again.store.intents()}
            assert set(states.values()) == {(IntentState.CLOSED, "EXECUTED")}, states
