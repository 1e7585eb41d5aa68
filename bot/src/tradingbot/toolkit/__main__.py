"""``python -m tradingbot.toolkit <command>``: what the scripts in scripts/ call."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from tradingbot.toolkit.console import Console
from tradingbot.toolkit.settings import ToolkitConfigError, ToolkitSettings, load_toolkit_settings

BOT_VERBS = ("up", "down", "restart", "status", "logs", "detect")


def _bot(settings: ToolkitSettings, verb: str) -> int:
    from tradingbot.toolkit.runtime import detect_runtime, select

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
    # report and drill belong to the bot CLI (python -m tradingbot report|drill); offered here as well.
    for name in ("report", "drill"):
        sub.add_parser(name, help=f"python -m tradingbot {name}", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("report", "drill"):
        # Imported only when used: the drill pulls in the simulator and the client.
        module = importlib.import_module(f"tradingbot.toolkit.{argv[0]}")
        full = argparse.ArgumentParser(prog="python -m tradingbot.toolkit")
        module.register(full.add_subparsers(dest="command", required=True))
        parsed = full.parse_args(argv)
        return int(parsed.func(parsed))
    args = build_parser().parse_args(argv)
    try:
        settings = load_toolkit_settings(Path.cwd())
    except ToolkitConfigError as exc:
        print(f"[toolkit] configuration error: {exc}", file=sys.stderr)
        return 2
    command: str = args.command
    if command == "bot":
        return _bot(settings, args.verb)
    if command == "smoke":
        from tradingbot.toolkit.smoke import run_smoke

        return run_smoke(settings, simulate_failure=args.simulate_failure)
    if command == "soak":
        from tradingbot.toolkit.soak import run_soak

        return run_soak(settings)
    if command == "release-check":
        from tradingbot.toolkit.release import run_release_check

        return run_release_check(settings)
    if command == "go-nogo":
        from tradingbot.toolkit.gonogo import run_go_nogo

        return run_go_nogo(settings)
    if command == "go-live-prep":
        from tradingbot.toolkit.golive import run_go_live_prep

        return run_go_live_prep(settings)
    from tradingbot.toolkit.rotate import run_rotate

    return run_rotate(settings)


if __name__ == "__main__":
    sys.exit(main())
