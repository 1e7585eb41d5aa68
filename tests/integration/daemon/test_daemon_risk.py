"""Each row of the seed's risk matrix, end to end: simulator prices/positions -> daemon -> risk status."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.app import Daemon
from tradingbot.cli import main as cli_main
from tradingbot.engine.halt import HaltStore
from tradingbot.ops.status import MonitorStatus
from tradingbot.risk import RiskStatus
from tradingbot.sim import Simulator
from tradingbot.venues.gmo import Credentials, GmoEndpoints, GmoRestClient
from tradingbot.venues.gmo.models import ExecutionType, OrderRequest, Side

from tests.support.daemon_harness import cross_up, env_for, running_daemon, simulator
from tests.support.eventually import eventually
from tests.support.price_feed import UP, feed

BASE = Decimal("15000000")


async def _direct(sim: Simulator, side: Side, size: str, *, close: bool = False) -> None:
    async with GmoRestClient(
        GmoEndpoints.at(sim.urls.base), Credentials.of("paper-sim-key", "paper-sim-secret")
    ) as client:
        if close:
            await client.close_bulk_order("BTC_JPY", side, ExecutionType.MARKET, Decimal(size))
        else:
            await client.place_order(
                OrderRequest(
                    symbol="BTC_JPY", side=side, execution_type=ExecutionType.MARKET, size=Decimal(size)
                )
            )


async def _bot_long_then_drop(sim: Simulator, daemon: Daemon) -> None:
    # Each price is seen by the trader (price_feed): with fixed sleeps the cross was sometimes coalesced away.
    await feed(sim, daemon, UP)
    await eventually(lambda: daemon.exposure.long == Decimal("0.01"), what="bot long")
    await sim.set_price("BTC_JPY", BASE * Decimal("0.9"))


async def _foreign_round_trip(sim: Simulator, daemon: Daemon) -> None:
    await _direct(sim, Side.SELL, "0.01")
    await sim.set_price("BTC_JPY", BASE * Decimal("0.99"))
    await _direct(sim, Side.BUY, "0.01", close=True)


ROWS = [
    (
        "TRADINGBOT_RISK__MAX_DRAWDOWN",
        "0.001",
        _bot_long_then_drop,
        RiskStatus.ABORT,
        "max_drawdown_exceeded",
    ),
    (
        "TRADINGBOT_RISK__DAILY_LOSS_LIMIT",
        "1000",
        _bot_long_then_drop,
        RiskStatus.DEGRADED,
        "daily_loss_limit_exceeded",
    ),
    (
        "TRADINGBOT_RISK__MAX_TRADE_LOSS",
        "1000",
        _bot_long_then_drop,
        RiskStatus.ABORT,
        "max_trade_loss_exceeded",
    ),
    (
        "TRADINGBOT_RISK__MAX_LEVERAGE",
        "0.001",
        _bot_long_then_drop,
        RiskStatus.DEGRADED,
        "max_leverage_exceeded",
    ),
    (
        "TRADINGBOT_RISK__MAX_WALLET_DRIFT",
        "1",
        _foreign_round_trip,
        RiskStatus.DEGRADED,
        "wallet_drift_exceeded",
    ),
]


@pytest.mark.parametrize(("name", "value", "drive", "status", "reason"), ROWS, ids=[r[4] for r in ROWS])
async def test_risk_row_end_to_end(
    tmp_path: Path,
    name: str,
    value: str,
    drive,
    status: RiskStatus,  # type: ignore[no-untyped-def]
    reason: str,
) -> None:
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path, **{name: value})) as daemon:
        await eventually(lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active")
        await drive(sim, daemon)
        await eventually(lambda: reason in daemon.risk.reasons, what=reason)
        assert daemon.risk.status is status
        health = daemon.health()
        assert reason in health.risk.reasons
        if status is RiskStatus.ABORT:
            assert daemon.monitor_status is MonitorStatus.HALTED
            assert HaltStore.in_var_dir(tmp_path).load().halted
            await eventually(lambda: not sim.exchange.positions, what="flattened")
        else:
            assert daemon.monitor_status is MonitorStatus.DEGRADED
    audit = (tmp_path / "logs" / "audit_events.jsonl").read_text()
    assert reason in audit


async def test_position_size_row_via_adopted_position(tmp_path: Path) -> None:
    async with simulator() as sim:
        await _direct(sim, Side.BUY, "0.02")
        env = env_for(
            sim, tmp_path, TRADINGBOT_RISK__MAX_POSITION_SIZE="0.01", TRADINGBOT_ADOPT_EXCHANGE_STATE="true"
        )
        async with running_daemon(env) as daemon:
            await eventually(lambda: "max_position_size_exceeded" in daemon.risk.reasons, what="position row")
            assert daemon.risk.status is RiskStatus.DEGRADED
            assert daemon.monitor_status is MonitorStatus.DEGRADED


async def test_abort_stays_halted_across_restart_until_cleared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with simulator() as sim:
        env = env_for(sim, tmp_path, TRADINGBOT_RISK__MAX_TRADE_LOSS="1000")
        async with running_daemon(env) as daemon:
            await _bot_long_then_drop(sim, daemon)
            await eventually(lambda: daemon.halted, what="halted")
            # The halt is recorded before the flatten is sent: let the abort finish before stopping.
            await eventually(lambda: not sim.exchange.positions, what="flattened")
        sent = len(sim.received_orders)
        async with running_daemon(env_for(sim, tmp_path)) as daemon:
            assert daemon.halted
            assert daemon.monitor_status is MonitorStatus.HALTED
            await cross_up(sim, daemon, base=BASE * Decimal("0.8"))
            # A wrong order would leave inside the iteration that took the crossing price: wait until
            # that iteration is over (every iteration takes one price), then none may have left.
            taken = len(daemon.strategy.seen)  # type: ignore[attr-defined]
            await eventually(lambda: daemon.loop_count >= taken, what="the crossing iteration to end")
            assert len(sim.received_orders) == sent
        for key, value in env_for(sim, tmp_path).items():
            monkeypatch.setenv(key, value)
        assert cli_main(["clear-halt", "--by", "test"]) == 0
        assert not HaltStore.in_var_dir(tmp_path).load().halted
        async with running_daemon(env_for(sim, tmp_path)) as daemon:
            await eventually(lambda: daemon.monitor_status is MonitorStatus.ACTIVE, what="active after clear")
    assert '"event":"operator_clear_halt"' in (tmp_path / "logs" / "audit_events.jsonl").read_text()
