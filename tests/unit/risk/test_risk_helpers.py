from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tradingbot.engine.halt import HaltState, HaltStore, HaltStoreError
from tradingbot.risk import (
    DailyLossWindow,
    EquityPeak,
    daily_loss,
    drawdown_ratio,
    equity,
)

TOKYO = ZoneInfo("Asia/Tokyo")


def test_equity_includes_unrealised_pnl() -> None:
    assert equity(Decimal("1000000"), Decimal("-25000")) == Decimal("975000")


@pytest.mark.parametrize(
    ("current", "peak", "expected"),
    [
        (Decimal("900"), Decimal("1000"), Decimal("0.1")),
        (Decimal("1000"), Decimal("1000"), Decimal("0")),
        (Decimal("1100"), Decimal("1000"), Decimal("0")),
        (Decimal("5"), Decimal("0"), Decimal("0")),
    ],
)
def test_drawdown_ratio(current: Decimal, peak: Decimal, expected: Decimal) -> None:
    assert drawdown_ratio(current, peak) == expected


def test_peak_follows_equity_up_and_unrealised_losses_count() -> None:
    peak = EquityPeak(Decimal("1000000"))
    peak = peak.update(equity(Decimal("1000000"), Decimal("200000")))
    assert peak.peak == Decimal("1200000")
    peak = peak.update(Decimal("1100000"))
    assert peak.peak == Decimal("1200000")
    # A still-open loss of 120000 from the peak is a 10% drawdown.
    assert peak.drawdown(equity(Decimal("1200000"), Decimal("-120000"))) == Decimal("0.1")


def test_daily_window_resets_at_tokyo_midnight_not_utc() -> None:
    # 14:59:59 UTC = 23:59:59 JST; 15:00:00 UTC = next JST day.
    before = datetime(2026, 11, 27, 14, 59, 59, tzinfo=UTC)
    window = DailyLossWindow.start(before, TOKYO, Decimal("1000000"))
    assert window.day == date(2026, 11, 27)
    same = window.roll(before + timedelta(seconds=0.5), TOKYO, Decimal("900000"))
    assert same is window
    assert same.loss(Decimal("900000")) == Decimal("100000")
    after = window.roll(before + timedelta(seconds=1), TOKYO, Decimal("900000"))
    assert after.day == date(2026, 11, 28)
    assert after.loss(Decimal("900000")) == Decimal("0")
    # UTC midnight is not a reset in Tokyo.
    utc_midnight = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    assert after.roll(utc_midnight, TOKYO, Decimal("1")) is after
    assert DailyLossWindow.start(utc_midnight, ZoneInfo("UTC"), Decimal("1")).day == date(2026, 11, 28)


def test_daily_loss_never_negative() -> None:
    assert daily_loss(Decimal("100"), Decimal("150")) == Decimal("0")
    assert daily_loss(Decimal("100"), Decimal("40")) == Decimal("60")


def test_trading_day_refuses_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        DailyLossWindow.start(datetime(2026, 1, 1), TOKYO, Decimal("1"))


def test_halt_survives_a_restart_until_cleared(tmp_path: Path) -> None:
    at = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    assert HaltStore.in_var_dir(tmp_path).load() == HaltState()
    HaltStore.in_var_dir(tmp_path).halt(("max_drawdown_exceeded",), run_id="r1", now=at)
    # A new store object (= a restarted process) still sees the halt.
    restarted = HaltStore.in_var_dir(tmp_path)
    state = restarted.load()
    assert state.halted
    assert state.reasons == ("max_drawdown_exceeded",)
    assert state.since == at
    # A second abort adds its reason but keeps the original time.
    state = restarted.halt(("max_trade_loss_exceeded", "max_drawdown_exceeded"), now=at + timedelta(hours=1))
    assert state.reasons == ("max_drawdown_exceeded", "max_trade_loss_exceeded")
    assert state.since == at
    cleared = restarted.clear(by="alice", now=at + timedelta(hours=2))
    assert not cleared.halted
    assert not HaltStore.in_var_dir(tmp_path).load().halted
    assert HaltStore.in_var_dir(tmp_path).load().cleared_by == "alice"
    assert not list(tmp_path.glob("*.tmp"))


def test_corrupt_halt_record_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "halt.json").write_text("{not json")
    with pytest.raises(HaltStoreError, match=r"halt\.json"):
        HaltStore.in_var_dir(tmp_path).load()
