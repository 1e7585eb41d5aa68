"""Figures 4 (operator RSS) and 5 (cold start, steady-state writes, rollback) from the pytest scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.report import Figure

SCENARIO = Path(__file__).parent / "operator_scenario"


def run() -> list[Figure]:
    root = Path(".cache")
    root.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-operator-", dir=root) as tmp:
        out = Path(tmp) / "operator.json"
        env = dict(os.environ, BENCH_OPERATOR_OUT=str(out))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", str(SCENARIO), "-q", "-p", "no:cacheprovider", "-m", "bench",
             "--rootdir", str(SCENARIO.parents[1]), "-o", f"testpaths={SCENARIO}"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if not out.exists():
            raise RuntimeError(
                f"operator scenario wrote no results:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
            )
        raw = json.loads(out.read_text(encoding="utf-8"))
    if done.returncode != 0:
        raise RuntimeError(f"operator scenario failed: {raw}\n{done.stdout[-4000:]}")
    rss = max(raw["rss_mb_steady"]["max"], raw["rss_mb_end"])
    details = {k: v for k, v in raw.items() if k != "operator_log_tail"}
    return [
        Figure("operator", f"{raw['bots']} TradingBots cold start to all Ready", raw["cold_start_s"], "s",
               None, "", "<= 30 s", raw["cold_start_s"] <= 30, details),
        Figure("operator", f"steady-state API writes in {raw['steady_window_s']} s", raw["steady_writes"],
               "writes", None, "", "0", raw["steady_writes"] == 0, {}),
        Figure("operator", "failed gate -> stable restored (from gate start)", raw["rollback_s"], "s",
               raw["rollback_bound_s"], "failureThreshold x periodSeconds + 2 s", "<= 1.0x",
               raw["rollback_s"] <= raw["rollback_bound_s"], {}),
        Figure("memory", f"operator RSS with {raw['bots']} TradingBots", rss, "MB", None, "", "<= 120 MB",
               rss <= 120, {}),
    ]  # fmt: skip
