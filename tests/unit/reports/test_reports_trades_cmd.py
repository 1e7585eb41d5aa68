from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.reports import ledger, trades
from tradingbot.reports.ledger import Fill

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def _fills() -> list[Fill]:
    return [
        Fill(1, 11, NOW, "BTC_JPY", "BUY", "OPEN", Decimal("0.01"), Decimal("15000000"), Decimal(0),
             Decimal(2)),
        Fill(2, 12, NOW + timedelta(seconds=5), "BTC_JPY", "SELL", "CLOSE", Decimal("0.01"),
             Decimal("15012345"), Decimal("123.45"), Decimal(2)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T09:00+09:00", datetime(2026, 12, 1, tzinfo=UTC)),
        ("30m", NOW - timedelta(minutes=30)),
        ("12h", NOW - timedelta(hours=12)),
        ("7d", NOW - timedelta(days=7)),
    ],
)
def test_since_accepts_dates_times_and_ages(text: str, expected: datetime) -> None:
    assert trades.parse_since(text, now=NOW) == expected


def test_since_names_a_bad_value_and_what_is_accepted() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"'last week'.*30m, 12h, 7d"):
        trades.parse_since("last week", now=NOW)


def test_table_shows_each_fill_and_the_summary() -> None:
    fills = _fills()
    text = trades.render_table(fills, ledger.stats(fills))
    assert "2026-12-02 12:00:05" in text
    assert "15,012,345" in text
    assert "123.45" in text
    assert "win rate            100.0%" in text
    assert "net P&L (JPY)       119.45" in text
    assert "max drawdown (JPY)  2" in text


def test_csv_rows_carry_exact_decimals_and_a_running_total() -> None:
    rows = list(csv.DictReader(io.StringIO(trades.render_csv(_fills()))))
    assert [r["execution_id"] for r in rows] == ["1", "2"]
    assert rows[1]["loss_gain"] == "123.45"
    assert rows[1]["cumulative_net"] == "119.45"
    assert list(rows[0]) == list(trades.CSV_COLUMNS)


def test_json_has_the_summary_and_every_fill() -> None:
    fills = _fills()
    doc = json.loads(trades.render_json(fills, ledger.stats(fills), Path("x.sqlite3")))
    assert doc["summary"]["trades"] == 1
    assert doc["summary"]["realised_pnl_jpy"] == "123.45"
    assert [f["execution_id"] for f in doc["fills"]] == [1, 2]


def test_no_store_is_a_clear_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert trades.run(tmp_path, db=None, since=None, fmt="table", symbol=None) == 1
    assert "no trading store under" in capsys.readouterr().err
