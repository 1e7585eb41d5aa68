"""``python -m tradingbot.toolkit <command>``: what the scripts in scripts/ call."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tradingbot.toolkit import drill, report
from tradingbot.toolkit.console import Console
from tradingbot.toolkit.golive import run_go_live_prep
from tradingbot.toolkit.gonogo import run_go_nogo
from tradingbot.toolkit.release import run_release_check
from tradingbot.toolkit.rotate import run_rotate
from tradingbot.toolkit.runtime import detect_runtime, select
from tradingbot.toolkit.settings import ToolkitConfigError, ToolkitSettings, load_toolkit_settings
from tradingbot.toolkit.smoke import run_smoke
from tradingbot.toolkit.soak import run_soak

BOT_VERBS = ("up", "down", "restart", "status", "logs", "detect")


def _bot(settings: ToolkitSettings, verb: str) -> int:
    console = Console("bot")
    if verb == "detect":
        detection = detect_runtime(settings)
        console.raw(detection.name)
        return 0
    runtime = select(settings, console)
    if verb == "up":
        return 0 if runtime.start(console) else 1
    if verb == "down":
        return 0 if runtime.stop(console) else 1
    if verb == "restart":
        return 0 if runtime.restart(console) else 1
    if verb == "status":
        for line in runtime.status_lines():
            console.raw(line)
        return 0 if runtime.is_running() else 3
    for line in runtime.log_lines():
        console.raw(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tradingbot.toolkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    bot = sub.add_parser("bot", help="the bot in the selected runtime: up|down|restart|status|logs|detect")
    bot.add_argument("verb", choices=BOT_VERBS)
    smoke = sub.add_parser("smoke", help="smoke_live_daemon.sh")
    smoke.add_argument("--simulate-failure", action="store_true")
    sub.add_parser("soak", help="soak_24h_gate.sh")
    sub.add_parser("release-check", help="release_check.sh")
    sub.add_parser("go-nogo", help="go_nogo_gate.sh")
    sub.add_parser("go-live-prep", help="go_live_prep.sh")
    sub.add_parser("rotate-secrets", help="rotate_secrets_check.sh")
    report.register(sub)
    drill.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_toolkit_settings(Path.cwd())
    except ToolkitConfigError as exc:
        print(f"[toolkit] configuration error: {exc}", file=sys.stderr)
        return 2
    command: str = args.command
    if command in ("report", "drill"):
        return int(args.func(args))
    if command == "bot":
        return _bot(settings, args.verb)
    runners = {
        "smoke": lambda: run_smoke(settings, simulate_failure=args.simulate_failure),
        "soak": lambda: run_soak(settings),
        "release-check": lambda: run_release_check(settings),
        "go-nogo": lambda: run_go_nogo(settings),
        "go-live-prep": lambda: run_go_live_prep(settings),
        "rotate-secrets": lambda: run_rotate(settings),
    }
    return runners[command]()


if __name__ == "__main__":
    sys.exit(main())
