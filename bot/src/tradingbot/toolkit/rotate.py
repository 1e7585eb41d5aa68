"""rotate_secrets_check.sh: old -> new placeholder secrets; healthz, metrics and smoke in each phase.

local runtime: the phases live in a temporary secrets directory handed to the bot as
``TRADINGBOT_SECRETS_DIR``; compose runtime: ``./secrets`` is backed up, overwritten per phase and restored.
Either way the bot ends on its original secrets. Values are never printed: only names and a short
fingerprint of the placeholder (never of a real secret).
"""

from __future__ import annotations

import hashlib
import secrets as random_tokens
import shutil
import tempfile
from pathlib import Path

from tradingbot.toolkit.console import Console
from tradingbot.toolkit.probes import http_get, json_object, judge_health, judge_metrics
from tradingbot.toolkit.procs import run_streamed
from tradingbot.toolkit.runtime import Runtime, child_env, select
from tradingbot.toolkit.settings import ToolkitSettings
from tradingbot.toolkit.smoke import ensure_bot

SECRET_FILES = ("gmo_api_key", "gmo_api_secret", "discord_webhook_url")
PHASES = ("old", "new")


def placeholders(phase: str) -> dict[str, str]:
    """Fresh values that look like the real ones but guard nothing (the webhook points at a closed port)."""
    return {
        "gmo_api_key": f"placeholder-{phase}-key-{random_tokens.token_hex(8)}",
        "gmo_api_secret": f"placeholder-{phase}-secret-{random_tokens.token_hex(16)}",
        "discord_webhook_url": f"http://127.0.0.1:9/placeholder-{phase}-{random_tokens.token_hex(8)}",
    }


def fingerprint(values: dict[str, str]) -> str:
    return hashlib.sha256("\0".join(values[n] for n in SECRET_FILES).encode()).hexdigest()[:12]


def write_secrets(directory: Path, values: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in SECRET_FILES:
        path = directory / name
        # In place (not rename): a Compose bind mount keeps pointing at the same inode.
        with path.open("w", encoding="utf-8") as handle:
            handle.write(values[name])
        path.chmod(0o600)


def _check_phase(
    settings: ToolkitSettings, runtime: Runtime, console: Console, phase: str, env: dict[str, str]
) -> list[str]:
    problems: list[str] = []
    health = http_get(settings.healthz_url)
    verdict = judge_health(health)
    console.say(f"phase={phase} healthz: {verdict.summary}")
    problems += verdict.problems
    body = json_object(health.body) if health.status is not None else None
    sources = body.get("secrets") if body else None
    if isinstance(sources, dict):
        shown = " ".join(f"{n}={sources.get(n)}" for n in SECRET_FILES)
        console.say(f"phase={phase} secrets sources: {shown}")
        not_from_file = [n for n in SECRET_FILES if sources.get(n) != "file"]
        if not_from_file:
            problems.append(
                f"phase={phase}: the bot did not load {', '.join(not_from_file)} from the secret files"
            )
    metrics = judge_metrics(http_get(settings.metrics_url))
    console.say(f"phase={phase} {metrics.summary}")
    problems += metrics.problems
    smoke = run_streamed(
        ["bash", "scripts/smoke_live_daemon.sh"],
        cwd=settings.repo_root,
        env={**env, "TRADINGBOT_AUTOSTART": "0"},
        console=console,
    )
    console.say(f"phase={phase} smoke_live_daemon.sh exit_code={smoke.exit_code}")
    if smoke.exit_code != 0:
        problems.append(f"phase={phase}: smoke_live_daemon.sh exit_code={smoke.exit_code}")
    return problems


def run_rotate(settings: ToolkitSettings) -> int:
    console = Console("rotate-secrets")
    runtime = select(settings, console)
    if settings.mode == "live":
        console.say("FAILED: refusing to put placeholder secrets into a live-mode bot (TRADINGBOT_MODE=live)")
        return 2
    ensure_bot(settings, runtime, console)
    # The running bot's own word on its mode counts too: in the compose runtime the mode comes from
    # configs/bot.env, which this process's environment does not see.
    running = http_get(settings.healthz_url)
    running_body = json_object(running.body) if running.status is not None else None
    if running_body and running_body.get("mode") == "live":
        console.say("FAILED: refusing to put placeholder secrets into a live-mode bot (/healthz: mode=live)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="rotate-secrets-"))
    compose_dir = runtime.secrets_dir() if runtime.name == "compose" else None
    backup = work / "backup"
    if compose_dir is not None and compose_dir.exists():
        shutil.copytree(compose_dir, backup)
    problems: list[str] = []
    try:
        for phase in PHASES:
            values = placeholders(phase)
            target = compose_dir if compose_dir is not None else work / phase
            write_secrets(target, values)
            console.say(
                f"phase={phase} wrote {len(values)} placeholder secret files to {target} "
                f"(values hidden, fingerprint={fingerprint(values)})"
            )
            env = child_env(settings, runtime)
            overrides = {"TRADINGBOT_SECRETS_DIR": str(target)} if compose_dir is None else {}
            if not runtime.restart(console, overrides, recreate=True):
                problems.append(f"phase={phase}: the bot did not come back healthy after the restart")
                break
            env.update(overrides)
            phase_problems = _check_phase(settings, runtime, console, phase, env)
            problems += phase_problems
            console.say(f"phase={phase} {'ok' if not phase_problems else 'FAILED'}")
            if phase_problems:
                break
    finally:
        if compose_dir is not None:
            shutil.rmtree(compose_dir, ignore_errors=True)
            if backup.exists():
                shutil.copytree(backup, compose_dir)
        console.say("restoring the original secrets and restarting the bot")
        restored = runtime.restart(console, {}, recreate=True)
        if not restored:
            problems.append("restore: the bot did not come back healthy on its original secrets")
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        for problem in problems:
            console.say(f"  problem: {problem}")
        console.say("RESULT: FAIL")
        return 1
    console.say("RESULT: PASS old -> new rotation verified (healthz, metrics, smoke in each phase)")
    return 0
