"""Order safety end to end: the real daemon against the real simulator (in this test's event loop)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
from tradingbot.engine.store import IntentState, StateStore
from tradingbot.ops.status import MonitorStatus
from tradingbot.venues.gmo import Credentials, GmoEndpoints, GmoRestClient
from tradingbot.venues.gmo.models import ExecutionType, OrderRequest, Side

from tests.support.daemon_harness import cross_up, env_for, running_daemon, simulator
from tests.support.eventually import eventually
from tests.support.price_feed import UP, feed


async def test_session_trades_and_reports_health(tmp_path: Path) -> None:
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path)) as daemon:
        await eventually(lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active")
        await feed(sim, daemon, UP)
        await eventually(lambda: len(sim.received_orders) == 1, what="one order on the simulator")
        assert daemon.ops is not None
        async with httpx.AsyncClient(base_url=daemon.ops.base_url) as http:
            health = await http.get("/healthz")
            metrics = (await http.get("/metrics")).text
        assert health.status_code == 200, health.text
        assert health.json()["monitor_status"] == "active"
        assert "run_loop_failures_total 0.0" in metrics
        assert 'monitor_status{status="active"} 1.0' in metrics
        # Each loop iteration stamps its wall-clock time (issue 15: it stayed 0).
        stamp = next(
            line
            for line in metrics.splitlines()
            if line.startswith("tradingbot_last_loop_timestamp_seconds ")
        )
        assert float(stamp.split()[1]) > 1_700_000_000, stamp
        await eventually(lambda: daemon.exposure.long == Decimal("0.01"), what="long position")
    audit = (tmp_path / "logs" / "audit_events.jsonl").read_text()
    assert '"event":"order_intent"' in audit
    assert '"event":"order_outcome"' in audit


async def test_ws_drop_reconnects(tmp_path: Path) -> None:
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path)) as daemon:
        await eventually(lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active")
        seen: list[MonitorStatus] = []
        original = daemon._status_changed

        def spy() -> None:
            original()
            seen.append(daemon.monitor_status)

        daemon._status_changed = spy  # type: ignore[method-assign]
        sim.faults.drop_ws()
        await eventually(lambda: MonitorStatus.RECONNECTING in seen, what="reconnecting")
        await eventually(lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active again")
    assert seen.index(MonitorStatus.RECONNECTING) < len(seen) - 1


async def test_timed_out_order_is_resolved_without_a_second_send(tmp_path: Path) -> None:
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path), client_timeout=0.5) as daemon:
        await eventually(lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active")
        sim.faults.accept_then_timeout_next = 1
        await feed(sim, daemon, UP)  # each price seen by the trader: the cross cannot be coalesced away
        assert daemon.store is not None
        store = daemon.store
        # The answer timed out: counted once as unresolved. (Not a poll for the intent's UNRESOLVED
        # state: that lasts only until the resolver's next pass, and a starved poll misses it.)
        registry = daemon.metrics.registry
        await eventually(
            lambda: registry.get_sample_value("tradingbot_orders_total", {"outcome": "unresolved"}) == 1,
            what="the timed-out order counted as unresolved",
        )
        # Resolved from the exchange's records, then closed: a market order that executed is done.
        await eventually(
            lambda: [i.state for i in store.intents()] == [IntentState.CLOSED],
            what=f"resolved and closed {store.intents()}",
        )
        # More ticks on the same side must not send anything again.
        await cross_up(sim, daemon, base=Decimal("15200000"))
        intent = store.intents()[0]
    assert len(sim.received_orders) == 1
    assert intent.exchange_order_id is not None
    # The resolution is read from the audit log: the close overwrites the intent's detail.
    audit = [json.loads(line) for line in (tmp_path / "logs" / "audit_events.jsonl").read_text().splitlines()]
    resolved = [r for r in audit if r["event"] == "order_resolved"]
    assert [(r["intent_id"], r["state"], r["order_id"]) for r in resolved] == [
        (intent.id, "confirmed", intent.exchange_order_id)
    ]


async def test_crash_between_write_and_answer_is_reconciled_at_start(tmp_path: Path) -> None:
    async with simulator() as sim:
        # A previous process wrote its intent, sent the order and died before the answer (kill -9).
        store = StateStore.in_var_dir(tmp_path)
        store.record_intent(
            symbol="BTC_JPY",
            side="BUY",
            action="open",
            execution_type="MARKET",
            size=Decimal("0.01"),
            price=None,
            reason="crashed",
            now=sim.now(),
        )
        store.close()
        async with GmoRestClient(
            GmoEndpoints.at(sim.urls.base), Credentials.of("paper-sim-key", "paper-sim-secret")
        ) as client:
            await client.place_order(
                OrderRequest(
                    symbol="BTC_JPY", side=Side.BUY, execution_type=ExecutionType.MARKET, size=Decimal("0.01")
                )
            )
        async with running_daemon(env_for(sim, tmp_path)) as daemon:
            await eventually(
                lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active after reconcile"
            )
            assert daemon.reconciliation.ok
            assert daemon.store is not None
            # Found on the exchange (confirmed) and, being executed, closed by the same start-up.
            assert [i.state for i in daemon.store.intents()] == [IntentState.CLOSED]
            assert daemon.exposure.long == Decimal("0.01")
    assert len(sim.received_orders) == 1


async def test_mismatch_refuses_to_trade_until_adopted(tmp_path: Path) -> None:
    async with simulator() as sim:
        async with GmoRestClient(
            GmoEndpoints.at(sim.urls.base), Credentials.of("paper-sim-key", "paper-sim-secret")
        ) as client:
            await client.place_order(
                OrderRequest(
                    symbol="BTC_JPY",
                    side=Side.SELL,
                    execution_type=ExecutionType.MARKET,
                    size=Decimal("0.02"),
                )
            )
        async with running_daemon(env_for(sim, tmp_path)) as daemon:
            await eventually(lambda: daemon.reconciliation.checked_at is not None, what="reconciliation")
            assert not daemon.reconciliation.ok
            assert "position_mismatch" in daemon.reconciliation.problems[0]
            assert daemon.monitor_status is MonitorStatus.DEGRADED
            await cross_up(sim, daemon)
            await cross_up(sim, daemon, base=Decimal("14000000"))
            assert len(sim.received_orders) == 1  # only the test's own order
            assert not daemon.health().reconciliation.ok
        audit = (tmp_path / "logs" / "audit_events.jsonl").read_text()
        assert '"event":"reconciliation","ok":false' in audit.replace(", ", ",") or '"ok":false' in audit
        env = env_for(sim, tmp_path, TRADINGBOT_ADOPT_EXCHANGE_STATE="true")
        async with running_daemon(env) as daemon:
            await eventually(
                lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active after adoption"
            )
            assert daemon.exposure.short == Decimal("0.02")
