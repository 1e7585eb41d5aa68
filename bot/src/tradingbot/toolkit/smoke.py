"""smoke_live_daemon.sh: health/metrics/artifacts checks, SMOKE_REPEAT_COUNT times; diagnostics on failure."""

from __future__ import annotations

import time
from dataclasses import replace

from tradingbot.toolkit.console import Console
from tradingbot.toolkit.probes import CheckResult, check_once
from tradingbot.toolkit.runtime import Runtime, print_diagnostics, select
from tradingbot.toolkit.settings import ToolkitSettings

SIMULATED = "simulated failure (--simulate-failure): the checks ran but this iteration is forced to fail"


def ensure_bot(settings: ToolkitSettings, runtime: Runtime, console: Console) -> bool:
    """Local runtime: start the bot when it is not running (TRADINGBOT_AUTOSTART=0 turns this off).

    Compose is never started implicitly: production is brought up by ``docker-compose up -d --build``.
    """
    if runtime.name != "local" or not settings.autostart:
        return True
    return runtime.start(console)


def report_failure(
    settings: ToolkitSettings, runtime: Runtime, console: Console, result: CheckResult, index: int, total: int
) -> None:
    console.say(f"iteration {index}/{total} FAILED {result.summary}")
    for problem in result.problems:
        console.say(f"  problem: {problem}")
    console.raw(f"failed_iteration={index}/{total}")
    console.say("diagnostics:")
    print_diagnostics(settings, runtime, console)


def run_smoke(settings: ToolkitSettings, *, simulate_failure: bool = False) -> int:
    console = Console("smoke")
    runtime = select(settings, console)
    total = settings.smoke_repeat_count or 1
    ensure_bot(settings, runtime, console)
    for index in range(1, total + 1):
        result = check_once(settings)
        if simulate_failure and index == 1:
            result = replace(result, ok=False, problems=(*result.problems, SIMULATED))
        if not result.ok:
            report_failure(settings, runtime, console, result, index, total)
            return 1
        console.say(f"iteration {index}/{total} ok {result.summary}")
        if index < total:
            time.sleep(settings.smoke_interval)
    console.say(f"PASS {total}/{total} iterations healthy")
    return 0
