"""``python -m tradingbot run|check-config|report|drill|replay|clear-halt|status|trades|record``, and
``pause|resume|flatten`` (:mod:`tradingbot.ops.control_cmd`)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
REPLAY_INITIAL_EQUITY = Decimal("10000000")  # engine.replay.replay's default starting equity


def _settings_or_exit() -> object:
    import os

    from tradingbot.config import ConfigError, load_settings
    from tradingbot.envnames import unknown_problems

    # Unknown or misspelt names are refused with the value problems, all in one report.
    problems = unknown_problems(os.environ)
    try:
        settings = load_settings()
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        print("tradingbot: invalid settings:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    from tradingbot.app import run
    from tradingbot.config import Settings
    from tradingbot.ops.lock import AlreadyRunning
    from tradingbot.ops.logging import SecretRedactor, configure_logging

    settings = _settings_or_exit()
    assert isinstance(settings, Settings)
    configure_logging(
        settings.log_level, redactor=SecretRedactor(settings.secret_values()), fmt=settings.log_format
    )
    try:
        return run(settings)
    except AlreadyRunning as exc:
        print(f"tradingbot: refusing to start: {exc}", file=sys.stderr)
        return EXIT_LOCKED


def cmd_check_config(args: argparse.Namespace) -> int:
    import os

    from tradingbot.config import Settings, describe
    from tradingbot.envnames import effective

    settings = _settings_or_exit()
    assert isinstance(settings, Settings)
    document = {**describe(settings), "effective": effective(settings, os.environ)}
    print(json.dumps(document, indent=2, sort_keys=True, default=str))
    print("check-config: OK", file=sys.stderr)
    return EXIT_OK


def cmd_clear_halt(args: argparse.Namespace) -> int:
    from tradingbot.config import Settings
    from tradingbot.engine.halt import HaltStore
    from tradingbot.ops.audit import AuditLog
    from tradingbot.ops.lock import AlreadyRunning, InstanceLock

    settings = _settings_or_exit()
    assert isinstance(settings, Settings)
    halts = HaltStore.in_var_dir(settings.var_dir)
    lock = InstanceLock(settings.var_dir)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(f"clear-halt: stop the running bot first: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    try:
        before = halts.load()
        if not before.halted:
            print(f"clear-halt: not halted ({halts.path}); nothing to do")
            return EXIT_OK
        after = halts.clear(by=args.by)
        with AuditLog(
            settings.audit_log_path, settings.audit_log_max_bytes, settings.audit_log_retention
        ) as audit:
            audit.write(
                "operator_clear_halt",
                {"by": args.by, "reasons": list(before.reasons), "since": before.since, "note": args.note},
            )
        print(
            f"clear-halt: cleared the halt since {before.since}"
            f" (reasons {list(before.reasons)}) by {after.cleared_by}"
        )
        return EXIT_OK
    finally:
        lock.release()


def cmd_replay(args: argparse.Namespace) -> int:
    from tradingbot.config import Settings
    from tradingbot.engine.replay import SAMPLE_EXPECTATION, SAMPLE_FILE, compare, replay
    from tradingbot.reports.replay_report import ReplayTape, render_text, summarise, write_outputs
    from tradingbot.risk import RiskLimits
    from tradingbot.strategy import MaCrossParams, MaCrossStrategy
    from tradingbot.venues.gmo.feeds import recorded

    settings = _settings_or_exit()
    assert isinstance(settings, Settings)
    source: Path = args.file or SAMPLE_FILE
    expect: Path | None = args.expect
    if args.file is None and expect is None and not args.no_expect:
        expect = SAMPLE_EXPECTATION
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        print(f"replay: cannot read {source}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    if args.file is None:
        # The bundled sample is a regression gate: pin its parameters so the environment cannot move it.
        fast, slow, size, limits = 5, 20, Decimal("0.01"), RiskLimits()
    else:
        fast, slow = settings.strategy.fast_window, settings.strategy.slow_window
        size, limits = settings.strategy.order_size, settings.risk
    fast = args.fast if args.fast is not None else fast
    slow = args.slow if args.slow is not None else slow
    size = Decimal(args.size) if args.size is not None else size
    strategy = MaCrossStrategy(MaCrossParams(fast, slow, size, limits.max_position_size))
    symbol = args.symbol or ("BTC_JPY" if args.file is None else settings.symbol)
    tape = ReplayTape()
    summary = replay(recorded(lines), symbol=symbol, strategy=strategy, limits=limits, observer=tape)
    summary = {"params": {"fast_window": fast, "slow_window": slow, "order_size": str(size)}, **summary}
    text = json.dumps(summary, indent=2, sort_keys=True)
    output: Path = args.output or settings.artifacts_dir / "replay" / f"{source.stem}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text + "\n", encoding="utf-8")
    stats = summarise(tape, REPLAY_INITIAL_EQUITY)
    report, picture = write_outputs(
        output, stats, tape, summary=summary, initial_equity=REPLAY_INITIAL_EQUITY
    )
    print(text if args.json else render_text(stats, tape, source=str(source)))
    print(f"replay: wrote {output}, {report}" + (f", {picture}" if picture else ""), file=sys.stderr)
    if expect is not None:
        try:
            expected = json.loads(expect.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"replay: cannot read the expectation {expect}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        problems = compare(summary, expected)
        if problems:
            print(f"replay: MISMATCH against {expect}:", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
            return EXIT_FAILED
        print(f"replay: OK, matches {expect}", file=sys.stderr)
    return EXIT_OK


def _register_toolkit(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], name: str) -> None:
    try:
        module = importlib.import_module(f"tradingbot.toolkit.{name}")
        module.register(subparsers)
    except (ImportError, AttributeError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        p = subparsers.add_parser(name, help=f"{name} (not available in this build)")

        def unavailable(args: argparse.Namespace) -> int:
            print(f"tradingbot {name}: not available in this build ({why})", file=sys.stderr)
            return EXIT_FAILED

        p.set_defaults(func=unavailable)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tradingbot", description="GMO Coin trading bot")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot daemon (paper mode with the built-in simulator by default)")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check-config", help="validate settings and print them (secrets: present/absent)")
    check.set_defaults(func=cmd_check_config)
    clear = sub.add_parser(
        "clear-halt", help="clear the persistent halt after an abort (bot must be stopped)"
    )
    clear.add_argument("--by", default="operator", help="who clears it (recorded in the audit log)")
    clear.add_argument("--note", default="", help="why (recorded in the audit log)")
    clear.set_defaults(func=cmd_clear_halt)
    rep = sub.add_parser("replay", help="recorded public WS frames through strategy + risk, no exchange")
    rep.add_argument(
        "file", nargs="?", type=Path, help="JSONL of public frames (default: the bundled sample)"
    )
    rep.add_argument("--expect", type=Path, help="expected summary JSON; exit 1 on any difference")
    rep.add_argument("--no-expect", action="store_true", help="with the bundled sample: do not compare")
    rep.add_argument(
        "--output", type=Path,
        help="summary JSON path; the report (.report.json) and equity curve (.svg) go beside it "
        "(default: <var_dir>/artifacts/replay/<input name>.json)",
    )  # fmt: skip
    rep.add_argument("--json", action="store_true", help="print the summary JSON instead of the table")
    rep.add_argument("--symbol", help="symbol to replay (default: TRADINGBOT_SYMBOL)")
    rep.add_argument("--fast", type=int, help="fast window (default: settings; the sample uses 5)")
    rep.add_argument("--slow", type=int, help="slow window (default: settings; the sample uses 20)")
    rep.add_argument("--size", help="order size (default: settings)")
    rep.set_defaults(func=cmd_replay)
    _register_toolkit(sub, "report")
    _register_toolkit(sub, "drill")
    _register_visibility(sub)
    return parser


def _register_visibility(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Imported here, not at the top: `run` must not pay for them, and each module keeps its own flags.
    from tradingbot.ops import control_cmd
    from tradingbot.recording import command as record_command
    from tradingbot.reports import status_cmd, trades

    status_cmd.register(subparsers)
    trades.register(subparsers)
    record_command.register(subparsers)
    control_cmd.register(subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
