"""go_live_prep.sh: go_nogo_gate, soak_24h_gate, monthly_report, live_connectivity_drill, in that order.

The first failing stage ends the run: ``[go-live-prep] DECISION: NO-GO stage=<stage> ...``. Evidence:
``var/artifacts/go_live_prep.log`` (this run's output) and ``var/artifacts/go_live_prep_summary.json``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tradingbot import layout
from tradingbot.ops.atomicfile import write_bytes_atomic
from tradingbot.toolkit.console import Console, iso, utc_now
from tradingbot.toolkit.procs import run_streamed
from tradingbot.toolkit.runtime import child_env, select
from tradingbot.toolkit.settings import ToolkitSettings

STAGES = (
    ("go_nogo_gate", "scripts/go_nogo_gate.sh"),
    ("soak_24h_gate", "scripts/soak_24h_gate.sh"),
    ("monthly_report", "scripts/monthly_report.sh"),
    ("live_connectivity_drill", "scripts/live_connectivity_drill.sh"),
)


def run_go_live_prep(settings: ToolkitSettings) -> int:
    console = Console("go-live-prep", log=settings.layout.go_live_prep_log)
    started_at = utc_now()
    runtime = select(settings, console)
    env = child_env(settings, runtime)
    if settings.go_live_soak_total_iterations is not None:
        env["SOAK_TOTAL_ITERATIONS"] = str(settings.go_live_soak_total_iterations)
    if settings.go_live_soak_interval is not None:
        env["SOAK_INTERVAL_SECONDS"] = f"{settings.go_live_soak_interval:g}"
    results: list[dict[str, Any]] = []
    failed: tuple[str, str] | None = None
    for name, script in STAGES:
        console.say(f"stage={name} start: bash {script}")
        began = time.monotonic()
        run = run_streamed(["bash", script], cwd=settings.repo_root, env=env, console=console)
        seconds = round(time.monotonic() - began, 3)
        ok = run.exit_code == 0
        results.append(
            {
                "stage": name,
                "status": "ok" if ok else "failed",
                "exit_code": run.exit_code,
                "seconds": seconds,
            }
        )
        console.say(f"stage={name} {'ok' if ok else 'FAILED'} exit_code={run.exit_code} ({seconds:.1f}s)")
        if not ok:
            failed = (name, f"exit_code={run.exit_code}")
            break
    for name, _ in STAGES[len(results) :]:
        results.append({"stage": name, "status": "not_run", "exit_code": None, "seconds": None})
    decision = "GO" if failed is None else "NO-GO"
    summary = {
        "decision": decision,
        "failed_stage": failed[0] if failed else None,
        "runtime": runtime.name,
        "started_at": iso(started_at),
        "finished_at": iso(utc_now()),
        "soak": {
            "total_iterations": env.get("SOAK_TOTAL_ITERATIONS", str(settings.soak_total_iterations)),
            "interval_seconds": env.get("SOAK_INTERVAL_SECONDS", f"{settings.soak_interval:g}"),
        },
        "stages": results,
        "log": layout.shown(layout.ARTIFACTS_DIR, layout.GO_LIVE_PREP_LOG),
    }
    write_bytes_atomic(settings.layout.go_live_prep_summary, (json.dumps(summary, indent=2) + "\n").encode())
    if failed is None:
        console.say("DECISION: GO")
    else:
        console.say(f"DECISION: NO-GO stage={failed[0]} reason={failed[1]}")
    console.close()
    return 0 if failed is None else 1
