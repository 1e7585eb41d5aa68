from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.engine.store import IntentState, StateStore, StoredExecution
from tradingbot.ops.equity_series import EquitySeries
from tradingbot.ops.health import HealthReport, ReconciliationSummary, RiskSummary
from tradingbot.ops.status import MonitorStatus
from tradingbot.ops.status_board import LIMIT_ROWS, LiveFigures, StatusBoard, limit_uses
from tradingbot.risk import REASON_CODES, RiskFigures, RiskLimits, RiskStatus, evaluate

T0 = datetime(2026, 12, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize("row", LIMIT_ROWS, ids=lambda r: r.name)
def test_each_limit_row_is_the_matrix_row_it_claims(row: object) -> None:
    limits = RiskLimits()
    assert dataclasses.is_dataclass(row)
    over = getattr(limits, row.limit) * 2  # type: ignore[attr-defined]
    decision = evaluate(RiskFigures(**{row.figure: over}), limits)  # type: ignore[attr-defined]
    assert decision.reasons == (row.reason_code,)  # type: ignore[attr-defined]
    assert decision.status == RiskStatus(row.breach_status)  # type: ignore[attr-defined]


def test_limit_rows_cover_the_whole_matrix_in_order() -> None:
    assert tuple(r.reason_code for r in LIMIT_ROWS) == REASON_CODES


def test_limit_use_is_figure_over_limit() -> None:
    uses = limit_uses(RiskFigures(current_daily_loss=Decimal(12500)), RiskLimits())
    daily = next(u for u in uses if u.name == "daily loss")
    assert daily.used == Decimal("0.25")
    assert daily.limit == Decimal(50000)
    assert all(u.used is None for u in limit_uses(None, RiskLimits()))


def test_equity_series_stays_bounded_and_spans_the_whole_run() -> None:
    series = EquitySeries(capacity=50, spacing=timedelta(seconds=1))
    for i in range(2000):
        series.mark(T0 + timedelta(seconds=i), Decimal(10_000_000 + i))
    points = series.points()
    assert len(points) < 50
    assert points[0].at == T0
    assert points[-1].at == T0 + timedelta(seconds=1999)
    assert points[-1].pnl_jpy == Decimal(1999)
    assert series.spacing > timedelta(seconds=1)


def test_equity_series_replaces_points_closer_than_the_spacing() -> None:
    series = EquitySeries(spacing=timedelta(seconds=1))
    for ms in (0, 1000, 1200, 1400, 2100, 2200):
        series.mark(T0 + timedelta(milliseconds=ms), Decimal(ms), realised=Decimal(ms // 2))
    kept = [int((p.at - T0) / timedelta(milliseconds=1)) for p in series.points()]
    assert kept == [0, 1000, 2100, 2200]  # 1200 and 1400 were the provisional last point, then replaced
    assert series.points()[-1].realised_jpy == Decimal(1100)
    with pytest.raises(ValueError, match="timezone-aware"):
        series.mark(datetime(2026, 1, 1), Decimal(1))


def _health(**kw: object) -> HealthReport:
    return HealthReport(
        monitor_status=MonitorStatus.ACTIVE, last_loop_at=datetime.now(UTC),
        stream={"public": "connected", "private": "connected"},
        reconciliation=ReconciliationSummary(ok=True), run_id="run-1", version="0.1.0",
        risk=RiskSummary(status=RiskStatus.OK), secrets={"gmo_api_key": "env"}, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _fill(
    store: StateStore, eid: int, oid: int, side: str, settle: str, price: str, lg: str, at: datetime
) -> None:
    store.add_execution(StoredExecution(eid, oid, "BTC_JPY", side, settle, Decimal("0.01"), Decimal(price),
                                        Decimal(lg), Decimal(1), at))  # fmt: skip


def test_snapshot_from_live_figures_and_the_store(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "engine.sqlite3")
    started = T0
    # A fill of an earlier run: counts for the position's average, not for this run's P&L.
    _fill(store, 1, 10, "BUY", "OPEN", "100", "0", started - timedelta(hours=1))
    _fill(store, 2, 11, "BUY", "OPEN", "200", "0", started + timedelta(seconds=1))
    _fill(store, 3, 12, "SELL", "CLOSE", "300", "50", started + timedelta(seconds=2))
    intent = store.record_intent(
        symbol="BTC_JPY", side="SELL", action="close", execution_type="MARKET", size=Decimal("0.01"),
        price=None, reason="ma_cross down", now=started,
    )  # fmt: skip
    store.transition(intent.id, IntentState.UNRESOLVED, now=started, detail="timeout")
    live = LiveFigures(_health(), RiskFigures(current_position_size=Decimal("0.01")), Decimal("0.01"),
                       Decimal(0), Decimal(160), Decimal(10_000_010))  # fmt: skip
    board = StatusBoard(symbol="BTC_JPY", limits=RiskLimits(), started_at=started, live=lambda: live,
                        store_path=lambda: store.path)  # fmt: skip
    board.mark_equity(Decimal(10_000_000), Decimal(0), at=started)
    board.mark_equity(Decimal(10_000_010), Decimal(49), at=started + timedelta(seconds=5))
    try:
        snap = board.snapshot()
    finally:
        store.close()
    assert snap.health == "ok"
    assert snap.account.fills == 2
    assert snap.account.realised_pnl_jpy == Decimal(50)
    assert snap.account.fees_jpy == Decimal(2)
    assert snap.account.closing_trades == 1
    assert snap.account.win_rate == Decimal(1)
    assert snap.account.run_pnl_jpy == Decimal(10)
    # Long average after closing one of two lots: (100 + 200) / 2.
    assert snap.position.long_average_price == Decimal(150)
    assert snap.position.unrealised_pnl_jpy == Decimal("0.10")
    assert snap.position.unrealised_basis == "mid"
    assert [o.state for o in snap.open_orders] == ["unresolved"]
    assert [d.reason for d in snap.decisions] == ["ma_cross down"]
    assert [f.execution_id for f in snap.recent_fills] == [3, 2, 1]
    assert [p.realised_jpy for p in snap.series] == [Decimal(0), Decimal(49)]
    body = snap.to_json()
    assert body["schema"] == "tradingbot.status/v1"
    assert body["risk"]["limits"][2]["used"] == "0.2000"


def test_position_averages_are_left_out_when_the_live_size_differs(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "engine.sqlite3")
    _fill(store, 1, 10, "BUY", "OPEN", "100", "0", T0)
    live = LiveFigures(_health(), None, Decimal("0.02"), Decimal(0), Decimal(160), None)
    board = StatusBoard(symbol="BTC_JPY", limits=RiskLimits(), started_at=T0, live=lambda: live,
                        store_path=lambda: store.path)  # fmt: skip
    try:
        snap = board.snapshot()
    finally:
        store.close()
    assert snap.position.long == Decimal("0.02")
    assert snap.position.long_average_price is None
    assert snap.position.unrealised_pnl_jpy is None


def test_without_a_store_the_snapshot_says_why() -> None:
    live = LiveFigures(_health(halted=True), None, Decimal(0), Decimal(0), None, None)
    board = StatusBoard(symbol="BTC_JPY", limits=RiskLimits(), started_at=T0, live=lambda: live,
                        store_path=lambda: None)  # fmt: skip
    snap = board.snapshot()
    assert snap.health == "unhealthy"
    assert snap.risk.halted
    assert snap.store_error == "the store is not open yet"
    assert snap.open_orders == ()


def test_the_exchange_unrealised_figure_wins_over_the_mid_estimate(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "engine.sqlite3")
    _fill(store, 1, 10, "BUY", "OPEN", "100", "0", T0)
    live = LiveFigures(_health(), None, Decimal("0.01"), Decimal(0), Decimal(160), None,
                       unrealised_pnl=Decimal("0.45"))  # fmt: skip
    board = StatusBoard(symbol="BTC_JPY", limits=RiskLimits(), started_at=T0, live=lambda: live,
                        store_path=lambda: store.path)  # fmt: skip
    try:
        snap = board.snapshot()
    finally:
        store.close()
    assert snap.position.long_average_price == Decimal(100)
    assert snap.position.unrealised_pnl_jpy == Decimal("0.45")
    assert snap.position.unrealised_basis == "exchange"


def test_skipped_decisions_are_merged_with_the_sent_ones_newest_first(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "engine.sqlite3")
    store.record_intent(
        symbol="BTC_JPY", side="BUY", action="open", execution_type="MARKET", size=Decimal("0.01"),
        price=None, reason="cross up", now=T0,
    )  # fmt: skip
    live = LiveFigures(_health(), None, Decimal(0), Decimal(0), None, None)
    board = StatusBoard(symbol="BTC_JPY", limits=RiskLimits(), started_at=T0, live=lambda: live,
                        store_path=lambda: store.path)  # fmt: skip
    board.note_skipped(side="SELL", action="open", size=Decimal("0.01"), reason="cross down",
                       why="risk degraded: opening not allowed", at=T0 + timedelta(seconds=1))  # fmt: skip
    try:
        snap = board.snapshot()
    finally:
        store.close()
    assert [(d.reason, d.outcome) for d in snap.decisions] == [
        ("cross down", "skipped"),
        ("cross up", "pending"),
    ]
    assert snap.decisions[0].detail == "risk degraded: opening not allowed"
