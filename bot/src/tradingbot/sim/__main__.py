"""CLI: ``python -m tradingbot.sim --host H --port 0 --seed 42 [--tick-interval S] [--ready-file PATH]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import pathlib
import signal
import sys

from tradingbot.sim.config import SimConfig
from tradingbot.sim.simulator import Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tradingbot.sim", description="GMO-compatible exchange simulator"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default 0)")
    parser.add_argument("--seed", type=int, default=42, help="price-process seed (default 42)")
    parser.add_argument(
        "--tick-interval", type=float, default=0.25, help="seconds between price steps; 0 = only /admin/step"
    )
    parser.add_argument("--ready-file", type=pathlib.Path, help="write the URLs as JSON here once listening")
    parser.add_argument("--log-level", default="INFO", help="stderr log level (default INFO)")
    return parser.parse_args(argv)


def write_ready_file(path: pathlib.Path, content: dict[str, str]) -> None:
    # Written atomically so a poller never reads half a file.
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(content, handle)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


async def serve(args: argparse.Namespace) -> int:
    sim = Simulator(SimConfig(seed=args.seed, tick_interval=args.tick_interval))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    urls = await sim.start(args.host, args.port)
    print(urls.line(), flush=True)
    if args.ready_file is not None:
        write_ready_file(args.ready_file, urls.as_dict())
    try:
        await stop.wait()
    finally:
        await sim.stop()
        if args.ready_file is not None:
            with contextlib.suppress(FileNotFoundError):
                args.ready_file.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        SimConfig(seed=args.seed, tick_interval=args.tick_interval)
    except ValueError as exc:
        print(f"sim: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
