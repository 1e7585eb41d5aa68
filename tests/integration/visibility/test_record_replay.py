"""`tradingbot record` against the simulator, then `tradingbot replay` of the recording."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "tradingbot", *args], env={**base, **env}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_record_from_the_simulator_then_replay_it(tmp_path: Path) -> None:
    out = tmp_path / "recorded.jsonl"
    env = {"TRADINGBOT_VAR_DIR": str(tmp_path / "var"), "TRADINGBOT_SECRETS_DIR": str(tmp_path / "none")}
    done = _cli(
        "record", "--out", str(out), "--source", "sim", "--max-frames", "40", "--seconds", "60", **env
    )
    assert done.returncode == 0, done.stderr
    assert "record: wrote 40 frames" in done.stderr
    frames = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(frames) >= 40
    assert {f["channel"] for f in frames} == {"ticker"}
    assert {f["symbol"] for f in frames} == {"BTC_JPY"}

    summary_path = tmp_path / "replay" / "recorded.json"
    replayed = _cli("replay", str(out), "--fast", "2", "--slow", "3", "--output", str(summary_path), **env)
    assert replayed.returncode == 0, replayed.stderr
    summary = json.loads(summary_path.read_text())
    assert summary["tickers"] == len(frames)
    assert summary["malformed"] == 0
    report = json.loads(summary_path.with_name("recorded.report.json").read_text())["report"]
    assert report["fills"] == summary["decisions"] > 0
    # The printed table carries the same figures.
    for label in ("win rate", "realised P&L (JPY)", "max drawdown", "fees (JPY)"):
        assert label in replayed.stdout
    assert f"fills               {report['fills']} ({report['trades']} closing trades" in replayed.stdout
    svg = ET.parse(summary_path.with_suffix(".svg")).getroot()  # noqa: S314 - our own file
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_record_refuses_bad_arguments_clearly(tmp_path: Path) -> None:
    bad_seconds = _cli("record", "--out", str(tmp_path / "x"), "--seconds", "-3")
    assert bad_seconds.returncode == 2
    assert "--seconds '-3' is not a positive number of seconds" in bad_seconds.stderr
    bad_channel = _cli("record", "--out", str(tmp_path / "x"), "--channels", "ticker,candles")
    assert bad_channel.returncode == 2
    assert "unknown ['candles']" in bad_channel.stderr
    bad_source = _cli("record", "--out", str(tmp_path / "x"), "--source", "ftp://x",
                      TRADINGBOT_SECRETS_DIR=str(tmp_path / "none"))  # fmt: skip
    assert bad_source.returncode == 2
    assert "--source 'ftp://x'; accepted: gmo, sim, or a simulator URL" in bad_source.stderr
