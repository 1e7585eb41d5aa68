"""The status page of a real bot trading on the simulator, loaded in headless Chromium.

Checks the figures the page shows against ``/status`` and the store, that nothing secret is on it, and
saves a full-page screenshot to ``var/test-artifacts/status_page.png`` (and under pytest's tmp path).
Skipped with the reason when no Chromium is installed (``make tools`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tradingbot.reports import ledger, store_reader
from visibility_browser import COLLECT_JS, find_chromium, open_page
from visibility_procs import PLANTED_KEY, PLANTED_SECRET, QuietBot

REPO = Path(__file__).resolve().parents[3]
ARTIFACT = REPO / "var" / "test-artifacts" / "status_page.png"


def _dec(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _shown_number(text: str) -> Decimal:
    """The number a person reads (``+1,234``, ``-56.5``, ``12.5%``), as a Decimal."""
    return Decimal(text.replace(",", "").replace("+", "").rstrip("%").split()[-1])


def test_status_page_shows_the_running_bot(quiet_bot: QuietBot, tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on PATH: `make tools` installs Debian's chromium where apt runs as root")
    bot = quiet_bot.bot
    status = bot.status()
    with open_page(chromium, f"{bot.ops_url}/") as page:
        page.wait_for(
            "document.body.dataset.ready === '1'"
            " && Number(document.getElementById('chart').dataset.points) > 1",
            30, "the page's first render with a chart",
        )  # fmt: skip
        dom: dict[str, Any] = page.evaluate(COLLECT_JS)
        shot = page.screenshot(tmp_path / "status_page.png")
    after = bot.status()
    page_html = httpx.get(f"{bot.ops_url}/", timeout=5).text
    status_text = httpx.get(f"{bot.ops_url}/status", timeout=5).text
    store_path = store_reader.default_store(bot.var_dir)
    assert store_path is not None
    with store_reader.open_readonly(store_path) as db:
        fills = store_reader.fills(db)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACT)
    print(f"status page screenshot: {ARTIFACT} (also {shot})")

    # The bot was quiet: what the page rendered is what /status says before and after.
    assert status["account"] == after["account"]
    f = dom["fields"]
    for field, expected in {
        "symbol": status["symbol"], "mode": status["mode"], "run_id": status["run_id"],
        "health": status["health"], "monitor_status": status["monitor_status"],
        "streams.public": status["streams"]["public"], "streams.private": status["streams"]["private"],
        "risk.status": status["risk"]["status"], "account.fills": str(status["account"]["fills"]),
        "position.long": status["position"]["long"], "position.short": status["position"]["short"],
        "position.net": status["position"]["net"],
    }.items():  # fmt: skip
        assert f[field]["value"] == expected, (field, f[field], expected)
    assert f["health"]["text"] == "healthy"
    for key in ("unrealised_pnl_jpy", "long_average_price", "short_average_price", "mark_price"):
        assert _dec(f[f"position.{key}"]["value"]) == _dec(status["position"][key]), key
    # The bot's unrealised figure is the exchange's (not the page's estimate at mid).
    assert status["position"]["unrealised_basis"] in ("exchange", None)
    for field in (
        "account.equity_jpy",
        "account.run_pnl_jpy",
        "account.realised_pnl_jpy",
        "account.fees_jpy",
    ):
        section, key = field.split(".")
        expected = Decimal(status[section][key])
        assert _dec(f[field]["value"]) == expected, field
        # What a person reads is the same figure, rounded for display.
        assert abs(_shown_number(f[field]["text"]) - expected) < Decimal("0.01"), (field, f[field]["text"])
    win_rate = status["account"]["win_rate"]
    assert _dec(f["account.win_rate"]["value"]) == _dec(win_rate)
    if win_rate is not None:
        assert _shown_number(f["account.win_rate"]["text"]) == (Decimal(win_rate) * 100).quantize(
            Decimal("0.1")
        )
    for row in status["risk"]["limits"]:
        shown = dom["limits"][row["reason_code"]]
        assert _dec(shown["figure"]) == _dec(row["figure"]), row["name"]
        assert _dec(shown["used"]) == _dec(row["used"]), row["name"]

    # Tables: the same rows as /status, which match the store.
    assert len(dom["fills"]) == len(status["recent_fills"]) > 0
    assert [int(r[1]) for r in dom["fills"]] == [x["order_id"] for x in status["recent_fills"]]
    assert dom["orders"] == []
    assert status["open_orders"] == []
    assert len(dom["decisions"]) == len(status["decisions"]) > 0
    assert dom["chartCanvas"]
    assert dom["chartPoints"] >= 2

    # /status against the store: this run's fills, realised P&L and fees.
    stats = ledger.stats(fills)
    assert status["account"]["fills"] == stats.fills
    assert Decimal(status["account"]["realised_pnl_jpy"]) == stats.realised_pnl
    assert Decimal(status["account"]["fees_jpy"]) == stats.fees
    assert status["account"]["closing_trades"] == stats.trades >= 1
    assert [x["execution_id"] for x in status["recent_fills"]] == [
        x.execution_id for x in reversed(fills[-len(status["recent_fills"]) :])
    ]
    book = ledger.PositionBook.of(fills)
    assert Decimal(status["position"]["net"]) == book.net

    for text in (dom["html"], page_html, status_text):
        assert PLANTED_KEY not in text
        assert PLANTED_SECRET not in text
