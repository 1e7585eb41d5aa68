"""Figure 6: `python -m tradingbot run` to /healthz 200 against the simulator, with the import costs."""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.procs import NOT_YET, bot_env, free_port, healthy, simulator, start_bot, stop
from benchmarks.report import Figure, summary
from tests.support.eventually import eventually_sync

RUNS = 3
# What `python -m tradingbot run` imports before it serves /healthz (cli -> daemon -> sim constants).
RUN_IMPORTS = "import tradingbot.cli, tradingbot.app, tradingbot.sim"


def _import_costs() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", RUN_IMPORTS], capture_output=True, text=True, check=True
    )
    rows: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line[len("import time:") :].split("|"))
        rows.append((int(self_us), int(cumulative_us), name))
    top_level = sorted(
        ((c, n.strip()) for _, c, n in rows if not n.startswith("  ") and "." not in n.strip()), reverse=True
    )
    by_self = sorted(((s, n.strip()) for s, _, n in rows), reverse=True)
    total = sum(s for s, _, _ in rows)
    return {
        "total_ms": total / 1000,
        "top_packages_cumulative_ms": [(n, c / 1000) for c, n in top_level[:12]],
        "top_modules_self_ms": [(n, s / 1000) for s, n in by_self[:12]],
    }


def _interpreter_floor() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def run() -> list[Figure]:
    root = Path(".cache")
    root.mkdir(exist_ok=True)
    samples: list[float] = []
    floors: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-", dir=root) as tmp:
        work = Path(tmp)
        with simulator(work) as (_, base):
            for i in range(RUNS):
                floors.append(_interpreter_floor())
                port = free_port()
                env = bot_env(work, base, port, TRADINGBOT_VAR_DIR=str(work / f"var{i}"))
                started = time.perf_counter()
                proc = start_bot(work, env)
                try:
                    eventually_sync(
                        functools.partial(healthy, port), 60, "bench: bot /healthz 200", ignore=NOT_YET
                    )
                    samples.append(time.perf_counter() - started)
                finally:
                    stop(proc)
    imports = _import_costs()
    s, f = summary(samples), summary(floors)
    return [
        Figure(
            "startup",
            "`python -m tradingbot run` to /healthz 200 (median)",
            s["p50"],
            "s",
            f["p50"],
            "`python -c pass`",
            "info (no target)",
            None,
            {"runs_s": samples, "interpreter_floor_s": floors, "imports": imports},
        )
    ]
