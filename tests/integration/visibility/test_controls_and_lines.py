"""`tradingbot pause|resume|flatten` as processes against a real bot process trading on the simulator, and
the lines a person reads in that bot's log: order steps with their reason, the status line, and the stop
summary with its warning about the position left open (issue 16 items 1 and 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from tradingbot.ops.control import token_path
from visibility_browser import find_chromium, open_page
from visibility_procs import PLANTED_KEY, PLANTED_SECRET, Bot, free_port, poll, running_bot


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "tradingbot", *args], env={**base, **env}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def _net(bot: Bot) -> Decimal:
    return Decimal(str(bot.status()["position"]["net"]))


def test_controls_steer_the_running_bot_and_its_log_reads_like_a_story(tmp_path: Path) -> None:
    with running_bot(tmp_path, TRADINGBOT_LOG_FORMAT="text", TRADINGBOT_STATUS_LINE_EVERY="1") as bot:
        env = {"TRADINGBOT_VAR_DIR": str(bot.var_dir), "TRADINGBOT_OPS_URL": bot.ops_url}
        token = token_path(bot.var_dir).read_text().strip()
        bot.trade_until(fills=1, closing=0)

        paused = _cli("pause", **env)
        assert paused.returncode == 0, paused.stderr
        assert paused.stdout.startswith("paused: the bot opens no new positions")
        assert bot.status()["paused"] is True
        assert "trading PAUSED" in _cli("status", "--url", bot.ops_url).stdout
        _page_shows_paused(bot)

        # Another state directory's token is not this run's: refused, nothing changes.
        other = tmp_path / "other-var"
        other.mkdir()
        token_path(other).write_text("not-the-token\n")
        refused = _cli("resume", "--var-dir", str(other), "--url", bot.ops_url)
        assert refused.returncode == 1
        assert "refused (HTTP 403)" in refused.stderr
        assert bot.status()["paused"] is True

        flat = _cli("flatten", **env)
        assert flat.returncode == 0, flat.stderr
        assert "the bot stays paused" in flat.stdout
        poll(lambda: _net(bot) == 0 and not bot.status()["open_orders"], 20, "flat after flatten")
        assert bot.status()["paused"] is True

        resumed = _cli("resume", **env)
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stdout.startswith("resumed: the bot trades again")
        fills = bot.status()["account"]["fills"]
        bot.trade_until(fills=fills + 1, closing=0)
        poll(lambda: _net(bot) != 0, 30, "a position again after resume", every=0.2)
        for out in (paused, refused, flat, resumed):
            assert token not in out.stdout + out.stderr
    # The bot stopped (SIGTERM) holding a position: the summary says so, with a warning.
    log = (tmp_path / "bot.log").read_text()
    for line in ("order sent: ", "order confirmed: #", "order filled: #", "order done: #", "status: ",
                 "control pause: PAUSED", "control flatten: closing the position", "summary: "):  # fmt: skip
        assert line in log, f"{line!r} missing from the bot's log"
    assert "(why: fast MA " in log
    assert "(why: operator flatten)" in log
    warning = [row for row in log.splitlines() if "position left OPEN at stop" in row]
    assert len(warning) == 1
    assert " WARNING " in warning[0]
    done = json.loads((bot.var_dir / "artifacts" / "run_complete.json").read_text())
    assert done["fills"] >= 2
    assert done["orders_placed"] >= 2
    assert Decimal(done["position_left"]) != 0
    assert "realised_pnl_jpy" in done
    assert "fees_jpy" in done
    assert done["stop_reason"] == "signal SIGTERM"
    for text in (log, json.dumps(done)):
        assert token not in text
        assert PLANTED_KEY not in text
        assert PLANTED_SECRET not in text
    assert not token_path(bot.var_dir).exists()


def _page_shows_paused(bot: Bot) -> None:
    """The status page's badge (rendered from /status by its script; headless Chromium when installed)."""
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium on PATH: the paused badge is not checked in a browser here")
        return
    with open_page(chromium, f"{bot.ops_url}/") as page:
        page.wait_for("document.body.dataset.ready === '1'", 30, "the page's first render")
        badge = page.evaluate(
            "(() => { const b = document.getElementById('paused');"
            " return {hidden: b.classList.contains('hidden'), value: b.dataset.value,"
            " buttons: document.querySelectorAll('button, form, input').length}; })()"
        )
    assert badge == {"hidden": False, "value": "true", "buttons": 0}


def test_control_commands_without_a_bot_say_why_and_fail(tmp_path: Path) -> None:
    empty = tmp_path / "var"
    empty.mkdir()
    missing = _cli("pause", "--var-dir", str(empty), "--url", "http://127.0.0.1:1")
    assert missing.returncode == 1
    assert f"no control token at {token_path(empty)}" in missing.stderr
    token_path(empty).write_text("left-behind\n")  # e.g. after a kill -9
    port = free_port()
    nobody = _cli("resume", TRADINGBOT_VAR_DIR=str(empty), TRADINGBOT_HTTP_PORT=str(port))
    assert nobody.returncode == 1
    assert f"no bot answers at http://127.0.0.1:{port}/control/resume" in nobody.stderr
    assert "is the bot running?" in nobody.stderr
    bad = _cli("flatten", "--var-dir", str(empty), "--url", "localhost:9754")
    assert bad.returncode == 2
    assert "'localhost:9754' is not a URL" in bad.stderr
