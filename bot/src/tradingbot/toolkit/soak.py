"""soak_24h_gate.sh: the smoke check every ``SOAK_INTERVAL_SECONDS``, ``SOAK_TOTAL_ITERATIONS`` times."""

from __future__ import annotations

import time

from tradingbot.toolkit.console import Console
from tradingbot.toolkit.probes import check_once
from tradingbot.toolkit.runtime import print_run_artifacts, select
from tradingbot.toolkit.settings import ToolkitSettings
from tradingbot.toolkit.smoke import ensure_bot


def run_soak(settings: ToolkitSettings) -> int:
    console = Console("soak")
    runtime = select(settings, console)
    total, interval = settings.soak_total_iterations, settings.soak_interval
    console.say(f"SOAK_TOTAL_ITERATIONS={total} SOAK_INTERVAL_SECONDS={interval:g}")
    ensure_bot(settings, runtime, console)
    started = time.monotonic()
    for index in range(1, total + 1):
        result = check_once(settings)
        if not result.ok:
            console.say(f"iteration {index}/{total} FAILED {result.summary}")
            for problem in result.problems:
                console.say(f"  problem: {problem}")
            console.raw(f"failed_iteration={index}/{total}")
            console.raw(f"final_health_status={result.health_status}")
            print_run_artifacts(settings, console, heading="latest ")
            return 1
        console.say(f"iteration {index}/{total} ok {result.summary}")
        if index < total:
            time.sleep(interval)
    elapsed = time.monotonic() - started
    console.say(f"PASS successes={total}/{total} elapsed_seconds={elapsed:.0f}")
    return 0
