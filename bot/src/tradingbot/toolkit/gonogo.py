"""go_nogo_gate.sh: release_check, replay_check, smoke xN, bot restart, health/metrics, Go conditions.

Exactly one decision line: ``[go-nogo] DECISION: GO`` or ``[go-nogo] DECISION: NO-GO stage=<stage> ...``.
Everything printed is also appended, with timestamps, to ``var/artifacts/go_nogo_gate.log`` (the evidence
``monthly_report`` reads).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tradingbot.toolkit import goconditions
from tradingbot.toolkit.console import Console, iso, utc_now
from tradingbot.toolkit.probes import http_get, json_object, judge_health, judge_metrics, read_artifact
from tradingbot.toolkit.procs import run_streamed
from tradingbot.toolkit.runtime import Runtime, child_env, select
from tradingbot.toolkit.settings import ToolkitSettings
from tradingbot.toolkit.smoke import ensure_bot

DEFAULT_SMOKE_REPEAT = 3
STAGES = ("release_check", "replay_check", "smoke", "bot_restart", "health_metrics", "go_conditions")


class NoGoError(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"stage={stage} {reason}")
        self.stage = stage
        self.reason = reason


def replay_argv(settings: ToolkitSettings) -> list[str]:
    if settings.replay_cmd:
        return list(settings.replay_cmd)
    # The recorded market data and the outcome it must produce ship with the package (engine.replay).
    from tradingbot.engine.replay import SAMPLE_EXPECTATION

    return [sys.executable, "-m", "tradingbot", "replay", "--expect", str(SAMPLE_EXPECTATION)]


_current = ["startup"]  # the stage in progress, for the decision line of an unexpected error


def _stage(console: Console, name: str) -> None:
    _current[0] = name.split(" ", 1)[0]
    console.say(f"stage={name} start")


def _run_id(path: Path) -> str | None:
    body, _ = read_artifact(path)
    value = body.get("run_id") if body else None
    return str(value) if value is not None else None


def _gate(settings: ToolkitSettings, runtime: Runtime, console: Console) -> None:
    env = child_env(settings, runtime)
    root = settings.repo_root

    _stage(console, "release_check")
    run = run_streamed(["bash", "scripts/release_check.sh"], cwd=root, env=env, console=console)
    if run.exit_code != 0:
        raise NoGoError(
            "release_check", f"failed_stage={run.value_of('failed_stage') or '?'} exit_code={run.exit_code}"
        )

    _stage(console, "replay_check")
    run = run_streamed(replay_argv(settings), cwd=root, env=env, console=console)
    if run.exit_code != 0:
        raise NoGoError(
            "replay_check", f"replay differs from the expectation or failed: exit_code={run.exit_code}"
        )

    repeat = settings.smoke_repeat_count or DEFAULT_SMOKE_REPEAT
    _stage(console, f"smoke SMOKE_REPEAT_COUNT={repeat}")
    smoke_env = {**env, "SMOKE_REPEAT_COUNT": str(repeat)}
    run = run_streamed(["bash", "scripts/smoke_live_daemon.sh"], cwd=root, env=smoke_env, console=console)
    if run.exit_code != 0:
        raise NoGoError(
            "smoke", f"failed_iteration={run.value_of('failed_iteration') or '?'} exit_code={run.exit_code}"
        )

    _stage(console, "bot_restart")
    progress_path = settings.layout.run_progress
    previous_run_id = _run_id(progress_path)
    restarted_at = utc_now()
    if not runtime.restart(console):
        raise NoGoError(
            "bot_restart", f"the bot did not come back healthy within {settings.start_timeout:g}s"
        )
    # The new run announces itself in run_progress.json; give it the start timeout to do so.
    deadline = time.monotonic() + settings.start_timeout
    while (
        previous_run_id is not None
        and _run_id(progress_path) == previous_run_id
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)

    _stage(console, "health_metrics")
    health_probe = http_get(settings.healthz_url)
    metrics_probe = http_get(settings.metrics_url)
    verdicts = (judge_health(health_probe), judge_metrics(metrics_probe))
    for verdict in verdicts:
        console.say(f"  {verdict.summary}")
    problems = [p for v in verdicts for p in v.problems]
    if problems:
        raise NoGoError("health_metrics", "; ".join(problems))

    _stage(console, "go_conditions")
    progress, _ = read_artifact(progress_path)
    complete, _ = read_artifact(settings.layout.run_complete)
    health = json_object(health_probe.body) if health_probe.status is not None else None
    mode = str(health.get("mode")) if health and health.get("mode") else settings.mode
    secrets_dir = runtime.secrets_dir()
    existing = frozenset(
        name
        for name in (*goconditions.REQUIRED_LIVE_SECRETS, *goconditions.OPTIONAL_SECRETS)
        if (secrets_dir / name).is_file()
    )
    conditions = goconditions.evaluate(
        progress=progress,
        complete=complete,
        health=health,
        previous_run_id=previous_run_id,
        restarted_at=restarted_at,
        mode=mode,
        secrets_dir=secrets_dir,
        existing_secrets=existing,
    )
    for condition in conditions:
        console.say(
            f"  condition {condition.name}: {'ok' if condition.ok else 'FAILED'} - {condition.detail}"
        )
    failed = [c for c in conditions if not c.ok]
    if failed:
        raise NoGoError("go_conditions", "; ".join(f"{c.name}: {c.detail}" for c in failed))


def run_go_nogo(settings: ToolkitSettings) -> int:
    console = Console("go-nogo", log=settings.layout.go_nogo_log, append=True)
    try:
        console.say(f"=== gate run started_at={iso(utc_now())} ===")
        runtime = select(settings, console)
        ensure_bot(settings, runtime, console)
        try:
            _gate(settings, runtime, console)
        except NoGoError as no_go:
            console.say(f"DECISION: NO-GO stage={no_go.stage} reason={no_go.reason}")
            return 1
        except Exception as exc:  # the gate must still end with exactly one decision line
            console.say(
                f"DECISION: NO-GO stage={_current[0]} reason=internal error {type(exc).__name__}: {exc}"
            )
            raise
        console.say("DECISION: GO")
        return 0
    finally:
        console.close()
