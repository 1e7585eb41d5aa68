"""The replay report from the bundled samples: statistics that agree with the replay's own summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.engine.replay import SAMPLE_FILE, replay
from tradingbot.reports import equity_svg
from tradingbot.reports.replay_report import ReplayTape, render_text, summarise, write_outputs
from tradingbot.risk import RiskLimits
from tradingbot.strategy import MaCrossParams, MaCrossStrategy
from tradingbot.venues.gmo.feeds import recorded

INITIAL = Decimal("10000000")
SAMPLES = [SAMPLE_FILE, SAMPLE_FILE.with_name("replay_sample_2.jsonl")]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_report_agrees_with_the_replay_summary(sample: Path, tmp_path: Path) -> None:
    tape = ReplayTape()
    strategy = MaCrossStrategy(MaCrossParams(5, 20, Decimal("0.01"), Decimal("0.05")))
    lines = sample.read_text(encoding="utf-8").splitlines()
    summary = replay(recorded(lines), symbol="BTC_JPY", strategy=strategy, limits=RiskLimits(), observer=tape)
    stats = summarise(tape, INITIAL)
    assert stats.fills == summary["decisions"] > 0
    assert stats.trades == sum(1 for f in tape.fills if f.action == "close") > 0
    assert stats.wins + stats.losses <= stats.trades
    assert len(tape.equity) == summary["tickers"]
    # The last mark is at the last ticker's mid; the summary values the book at its last trade price.
    assert abs(INITIAL + stats.final_pnl - Decimal(summary["final_equity"])) < Decimal(100)
    assert stats.max_drawdown_jpy >= max(Decimal(0), -stats.final_pnl)
    assert stats.fees == 0
    text = render_text(stats, tape, source=str(sample))
    assert f"{stats.trades} closing trades" in text
    assert "max drawdown" in text
    report, svg = write_outputs(tmp_path / "out.json", stats, tape, summary=summary, initial_equity=INITIAL)
    assert report.name == "out.report.json"
    assert svg is not None
    root = ET.fromstring(svg.read_text())  # noqa: S314 - our own file
    assert root.tag.endswith("svg")
    polyline = root.find("{http://www.w3.org/2000/svg}polyline")
    assert polyline is not None
    assert len(polyline.attrib["points"].split()) == min(len(tape.equity), equity_svg.MAX_POINTS)


def test_thinning_keeps_the_extremes_and_the_last_point() -> None:
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    values = [Decimal(i % 97) for i in range(10_000)]
    values[5_000] = Decimal(-1_000)  # the trough a reader must see
    values[7_000] = Decimal(5_000)
    points = [(t0 + timedelta(seconds=i), v) for i, v in enumerate(values)]
    kept = equity_svg.thin(points, limit=200)
    assert len(kept) <= 202
    kept_values = [v for _, v in kept]
    assert Decimal(-1_000) in kept_values
    assert Decimal(5_000) in kept_values
    assert kept[-1] == points[-1]
    assert [at for at, _ in kept] == sorted(at for at, _ in kept)


def test_an_empty_curve_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="at least one point"):
        equity_svg.render([], title="x")
