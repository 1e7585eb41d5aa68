"""release_check.sh: the seed's five stages in order; the first failure names its stage and stops.

Stage commands (each overridable, so tests and operators can narrow them):

- pre-commit: ``python -m pre_commit run --all-files`` (``repo: local`` hooks only);
  ``RELEASE_CHECK_PRECOMMIT_CMD`` replaces the whole command.
- pytest (quick): ``-m "unit and not slow"``; ``RELEASE_CHECK_QUICK_ARGS`` replaces the pytest arguments.
- pytest (live failover): ``-m "integration and not slow" -k FAILOVER_K``; ``RELEASE_CHECK_FAILOVER_ARGS``.
- pytest (coverage): the make-test selection with ``--cov=tradingbot --cov-fail-under=N``
  (``RELEASE_CHECK_COV_FAIL_UNDER``, default 75); ``RELEASE_CHECK_COVERAGE_ARGS``.
- smoke_live_daemon: ``bash scripts/smoke_live_daemon.sh`` (its own ``SMOKE_*`` variables).

``RELEASE_CHECK_PYTEST`` replaces the pytest launcher (default ``python -m pytest``) of the pytest stages.
"""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass

from tradingbot.toolkit.console import Console
from tradingbot.toolkit.procs import run_streamed
from tradingbot.toolkit.runtime import child_env, select
from tradingbot.toolkit.settings import ToolkitSettings

# The failover suites: stream drop/reconnect, stale streams, outcome-unknown order resolution. Test names
# (file, class or function) carrying one of these words are selected; see docs/operations.md.
FAILOVER_K = "failover or reconnect or outcome_unknown or stream_drop"
MAKE_TEST_MARKERS = "not slow and not e2e and not live and not chaos and not bench"
STAGES = ("pre-commit", "pytest (quick)", "pytest (live failover)", "pytest (coverage)", "smoke_live_daemon")


@dataclass(frozen=True)
class Stage:
    name: str
    argv: tuple[str, ...]


def plan(settings: ToolkitSettings, python: str = sys.executable) -> list[Stage]:
    pytest = settings.release_pytest_cmd or (python, "-m", "pytest")
    quiet = ("-q", "-p", "no:cacheprovider")
    coverage_default = (
        *quiet,
        "-m",
        MAKE_TEST_MARKERS,
        # These tests start the scripts themselves (and this gate); they add no Python coverage here.
        "--ignore=tests/integration/scripts",
        "--cov=tradingbot",
        "--cov-report=term:skip-covered",
        f"--cov-fail-under={settings.release_cov_fail_under}",
    )
    return [
        Stage(
            "pre-commit", settings.release_precommit_cmd or (python, "-m", "pre_commit", "run", "--all-files")
        ),
        Stage(
            "pytest (quick)", (*pytest, *(settings.release_quick_args or (*quiet, "-m", "unit and not slow")))
        ),
        Stage(
            "pytest (live failover)",
            (
                *pytest,
                *(
                    settings.release_failover_args
                    or (*quiet, "-m", "integration and not slow", "-k", FAILOVER_K)
                ),
            ),
        ),
        Stage("pytest (coverage)", (*pytest, *(settings.release_coverage_args or coverage_default))),
        Stage("smoke_live_daemon", ("bash", "scripts/smoke_live_daemon.sh")),
    ]


def run_release_check(settings: ToolkitSettings) -> int:
    console = Console("release-check")
    runtime = select(settings, console)
    env = child_env(settings, runtime)
    for stage in plan(settings):
        console.say(f"stage={stage.name} start: {shlex.join(stage.argv)}")
        started = time.monotonic()
        run = run_streamed(stage.argv, cwd=settings.repo_root, env=env, console=console)
        seconds = time.monotonic() - started
        if run.exit_code != 0:
            console.say(f"FAILED stage={stage.name} exit_code={run.exit_code} ({seconds:.1f}s)")
            console.raw(f"failed_stage={stage.name}")
            return 1
        console.say(f"stage={stage.name} ok ({seconds:.1f}s)")
    console.say(f"PASS stages: {', '.join(STAGES)}")
    return 0
