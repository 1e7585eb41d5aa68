"""``tradingbot record --out FILE [--seconds N] [--symbol S] [--source URL|gmo|sim]``.

Sources: ``gmo`` is GMO Coin's public WebSocket (public data: no key is used or needed, no order is ever
sent); a simulator base URL such as ``http://127.0.0.1:8080`` records that simulator; ``sim`` (the default
when ``TRADINGBOT_SIM_URL`` is empty) starts the embedded seeded simulator just for the recording. The
default is ``TRADINGBOT_SIM_URL`` when set. The file is JSONL of raw public frames: ``tradingbot replay
FILE`` reads it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradingbot.recording.recorder import RecordResult

CHANNELS = ("ticker", "orderbooks", "trades")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"--seconds {text!r} is not a positive number of seconds; e.g. 300")
    return value


def _channels(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if n not in CHANNELS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"--channels {text!r}: unknown {bad}; accepted: a comma list of {', '.join(CHANNELS)}"
        )
    return names


async def _record(args: argparse.Namespace, source: str, symbol: str, seed: int) -> RecordResult:
    # Imported here: every `tradingbot` command builds this parser, only `record` needs the venue code.
    from tradingbot.recording.recorder import record
    from tradingbot.venues.gmo.endpoints import GmoEndpoints

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    sim = None
    if source == "sim":
        from tradingbot.sim import SimConfig, Simulator

        sim = Simulator(SimConfig(seed=seed, symbols=tuple(dict.fromkeys((symbol, "BTC_JPY")))))
        base = (await sim.start("127.0.0.1", 0)).base
        public_ws = GmoEndpoints.at(base).public_ws
    elif source == "gmo":
        public_ws = GmoEndpoints.production().public_ws
    else:
        public_ws = GmoEndpoints.at(source).public_ws
    print(f"record: {public_ws} {symbol} {','.join(args.channels)} -> {args.out}", file=sys.stderr)
    try:
        return await record(
            public_ws, args.out, symbol=symbol, channels=args.channels, seconds=args.seconds,
            max_frames=args.max_frames, stop=stop,
        )  # fmt: skip
    finally:
        if sim is not None:
            await sim.stop()


def _main(args: argparse.Namespace) -> int:
    from tradingbot.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        print("record: invalid settings:\n  - " + "\n  - ".join(exc.problems), file=sys.stderr)
        return 2
    source = args.source or settings.sim_url or "sim"
    if source not in ("sim", "gmo") and not source.startswith(("http://", "https://")):
        print(f"record: --source {source!r}; accepted: gmo, sim, or a simulator URL like "
              "http://127.0.0.1:8080", file=sys.stderr)  # fmt: skip
        return 2
    symbol = args.symbol or settings.symbol
    try:
        result = asyncio.run(_record(args, source, symbol, settings.sim_seed))
    except (OSError, ValueError) as exc:
        print(f"record: failed: {exc}", file=sys.stderr)
        return 1
    print(f"record: wrote {result.frames} frames in {result.seconds:.1f}s to {result.path}"
          f" (connects: {result.connects})", file=sys.stderr)  # fmt: skip
    if result.frames == 0:
        print("record: no frame arrived; check the source and the symbol", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "record", help="record public WS frames (GMO or the simulator) as replay input",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write (replaced)")
    parser.add_argument(
        "--seconds", type=_positive, default=None, help="stop after this long (default: Ctrl-C)"
    )
    parser.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    parser.add_argument("--symbol", help="symbol (default: TRADINGBOT_SYMBOL)")
    parser.add_argument(
        "--source", help="gmo | sim | simulator base URL (default: TRADINGBOT_SIM_URL, else sim)"
    )
    parser.add_argument(
        "--channels", type=_channels, default=("ticker",),
        help="comma list of ticker,orderbooks,trades (default: ticker; replay uses ticker)",
    )  # fmt: skip
    parser.set_defaults(func=_main)
