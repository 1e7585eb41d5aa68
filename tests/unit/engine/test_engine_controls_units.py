"""The pieces of the operator controls that need no bot: the gate with ``paused``, the pause record, the
control token, and the readable lines (issue 16)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.engine import narrate
from tradingbot.engine.pause import PauseStore
from tradingbot.engine.store import IntentState, RunTotals, StoredIntent
from tradingbot.ops.control import ControlToken, read_token
from tradingbot.risk import RiskStatus, permits


@pytest.mark.parametrize(
    ("status", "reduces", "paused", "allowed"),
    [
        (RiskStatus.OK, False, False, True),
        (RiskStatus.OK, False, True, False),  # paused: no new positions
        (RiskStatus.OK, True, True, True),  # ... but reducing still allowed
        (RiskStatus.DEGRADED, True, True, True),
        (RiskStatus.DEGRADED, False, False, False),
        (RiskStatus.ABORT, True, True, False),  # pause never loosens the matrix
        (RiskStatus.ABORT, True, False, False),
    ],
)
def test_the_one_gate_takes_the_pause(status: RiskStatus, reduces: bool, paused: bool, allowed: bool) -> None:
    assert permits(status, reduces=reduces, paused=paused) is allowed


def test_the_pause_record_persists_and_fails_closed(tmp_path: Path) -> None:
    store = PauseStore.in_var_dir(tmp_path)
    assert store.load().paused is False
    at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    store.save(True, by="operator", run_id="r1", now=at)
    assert PauseStore.in_var_dir(tmp_path).load().paused is True
    store.save(False, by="operator", run_id="r1", now=at)
    assert store.load().paused is False
    store.path.write_text("{not json")
    assert store.load().paused is True


def test_the_control_token_is_private_checked_and_removed(tmp_path: Path) -> None:
    token = ControlToken(tmp_path)
    token.create()
    assert stat.S_IMODE(token.path.stat().st_mode) == 0o600
    value = read_token(tmp_path)
    assert len(value) >= 40
    assert token.check(value) == 200
    assert token.check(None) == 401
    assert token.check("") == 401
    assert token.check(value[:-1] + ("A" if value[-1] != "A" else "B")) == 403
    assert token.check("ü" * 3) == 403
    # A newer run's file is not ours to remove.
    token.path.write_text("someone-else\n")
    token.remove()
    assert token.path.exists()
    token.path.write_text(value + "\n")
    token.remove()
    assert not token.path.exists()
    assert ControlToken(tmp_path).check(value) == 403  # each run has its own


def _intent(**kw: object) -> StoredIntent:
    at = datetime(2026, 12, 2, tzinfo=UTC)
    fields: dict[str, object] = dict(
        id=7, symbol="BTC_JPY", side="BUY", action="open", execution_type="MARKET", size=Decimal("0.010"),
        price=None, reason="fast MA 14,950,000 crossed above slow MA 14,940,000", state=IntentState.CONFIRMED,
        exchange_order_id=1000007, detail="", created_at=at, updated_at=at,
    )  # fmt: skip
    fields.update(kw)
    return StoredIntent(**fields)  # type: ignore[arg-type]


def test_order_lines_say_what_happened_and_why() -> None:
    intent = _intent()
    assert narrate.sent(intent) == (
        "order sent: BUY 0.01 BTC_JPY MARKET open [intent 7]"
        " (why: fast MA 14,950,000 crossed above slow MA 14,940,000)"
    )
    filled = narrate.filled(
        intent, order_id=1000007, side="SELL", fill_size=Decimal("0.01"), price=Decimal("15001234"),
        fee=Decimal("3"), loss_gain=Decimal("512"), settle_type="CLOSE",
    )  # fmt: skip
    assert filled.startswith(
        "order filled: #1000007 SELL 0.01 close @ 15,001,234 fee 3 JPY realised +512 JPY"
    )
    assert narrate.finished(intent, "CANCELED").startswith("order cancelled: #1000007")
    assert narrate.finished(intent, "EXPIRED").startswith("order expired: #1000007")


def test_the_stop_summary_and_its_warning() -> None:
    totals = RunTotals(orders=4, fills=4, realised=Decimal("-1200"), fees=Decimal("30"))
    text = narrate.summary(totals, "BTC_JPY", Decimal("0.01"), Decimal(0), known=True)
    assert text == (
        "summary: 4 orders, 4 fills, realised -1,200 JPY, fees 30 JPY, net -1,230 JPY;"
        " position left: long 0.01 BTC_JPY"
    )
    assert "position left: flat BTC_JPY" in narrate.summary(totals, "BTC_JPY", Decimal(0), Decimal(0), True)
    assert "unknown" in narrate.summary(totals, "BTC_JPY", Decimal(0), Decimal(0), known=False)
    warning = narrate.position_left_warning("BTC_JPY", Decimal(0), Decimal("0.02"))
    assert warning.startswith("position left OPEN at stop: short 0.02 BTC_JPY")
