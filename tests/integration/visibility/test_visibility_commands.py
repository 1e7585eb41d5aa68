"""`tradingbot status` and `tradingbot trades` as processes, against a real bot trading on the simulator."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal

from tradingbot.reports import ledger, store_reader
from visibility_procs import PLANTED_KEY, PLANTED_SECRET, QuietBot, free_port


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "tradingbot", *args], env={**base, **env}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_status_prints_the_running_bot_for_people_and_machines(quiet_bot: QuietBot) -> None:
    bot, status = quiet_bot.bot, quiet_bot.status
    people = _cli("status", TRADINGBOT_OPS_URL=bot.ops_url)
    assert people.returncode == 0, people.stderr
    out = people.stdout
    assert f"run {status['run_id']}" in out
    assert "healthy (monitor_status active)" in out
    assert f"{status['account']['fills']} fills" in out
    assert "public connected, private connected; reconciliation ok" in out
    for row in status["risk"]["limits"]:
        assert row["name"] in out
    machines = _cli("status", "--json", "--url", bot.ops_url)
    assert machines.returncode == 0, machines.stderr
    doc = json.loads(machines.stdout)
    assert doc["run_id"] == status["run_id"]
    assert doc["account"] == bot.status()["account"]
    for text in (out, machines.stdout):
        assert PLANTED_KEY not in text
        assert PLANTED_SECRET not in text


def test_status_without_a_bot_says_so_and_fails() -> None:
    port = free_port()
    done = _cli("status", TRADINGBOT_HTTP_PORT=str(port))
    assert done.returncode == 1
    assert f"no bot answers at http://127.0.0.1:{port}/status" in done.stderr
    assert "is the bot running?" in done.stderr
    bad = _cli("status", "--url", "localhost:9754")
    assert bad.returncode == 2
    assert "'localhost:9754' is not a URL" in bad.stderr


def test_trades_reads_the_store_of_the_running_bot(quiet_bot: QuietBot) -> None:
    bot, status = quiet_bot.bot, quiet_bot.status
    store = store_reader.default_store(bot.var_dir)
    assert store is not None
    with store_reader.open_readonly(store) as db:
        fills = store_reader.fills(db)
    stats = ledger.stats(fills)
    assert stats.fills == status["account"]["fills"]

    table = _cli("trades", "--var-dir", str(bot.var_dir))
    assert table.returncode == 0, table.stderr
    assert f"fills               {stats.fills}" in table.stdout
    assert f"closing trades      {stats.trades} " in table.stdout
    for f in fills:
        assert str(f.order_id) in table.stdout

    as_csv = _cli("trades", "--format", "csv", TRADINGBOT_VAR_DIR=str(bot.var_dir))
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [int(r["execution_id"]) for r in rows] == [f.execution_id for f in fills]
    assert Decimal(rows[-1]["cumulative_net"]) == stats.net_pnl

    as_json = json.loads(_cli("trades", "--format", "json", "--var-dir", str(bot.var_dir)).stdout)
    assert as_json["summary"] == stats.to_json()
    assert Decimal(as_json["summary"]["realised_pnl_jpy"]) == Decimal(status["account"]["realised_pnl_jpy"])

    later = _cli("trades", "--format", "json", "--since", "2099-01-01", "--var-dir", str(bot.var_dir))
    assert json.loads(later.stdout)["fills"] == []
