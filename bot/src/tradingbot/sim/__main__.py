"""CLI: ``python -m tradingbot.sim --host H --port 0 --seed 42 [--tick-interval S] [--ready-file PATH]``.

Also a stand-alone GMO testnet for other tools (README, "The simulator as a GMO testnet"): `--tier`
picks GMO's private REST limits, `--symbols` the leverage symbols served, and
`--ws-subscribe-interval 0` lifts GMO's one-subscribe-a-second pacing for clients that do not pace
themselves against hosts other than api.coin.z.com (pybotters, for one).
"""

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

from tradingbot.sim.config import DEFAULT_SPECS, SimConfig
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
    parser.add_argument(
        "--tier",
        type=int,
        choices=sorted(TIERS),
        default=1,
        help="GMO rate-limit tier: 1 = 20 GET + 20 POST a second per key, 2 = 30 + 30 (default 1)",
    )
    parser.add_argument(
        "--symbols",
        default="BTC_JPY,ETH_JPY",
        help=f"comma-separated symbols to serve, of {','.join(DEFAULT_SPECS)} (default BTC_JPY,ETH_JPY)",
    )
    parser.add_argument(
        "--ws-subscribe-interval",
        type=float,
        default=1.0,
        help="minimum seconds between subscribe messages on one WS connection (GMO: 1; 0 = no pacing)",
    )
    parser.add_argument("--log-level", default="INFO", help="stderr log level (default INFO)")
    return parser.parse_args(argv)


# GMO's private REST limits per API key and second, by tier (GET, POST).
TIERS = {1: (20, 20), 2: (30, 30)}


def config_from(args: argparse.Namespace) -> SimConfig:
    """The SimConfig the CLI arguments describe; ValueError names a bad value."""
    get_limit, post_limit = TIERS[args.tier]
    if args.ws_subscribe_interval < 0:
        raise ValueError(f"--ws-subscribe-interval={args.ws_subscribe_interval} must be >= 0")
    return SimConfig(
        seed=args.seed,
        tick_interval=args.tick_interval,
        symbols=tuple(s.strip() for s in args.symbols.split(",") if s.strip()),
        get_per_second=get_limit,
        post_per_second=post_limit,
        ws_subscribe_interval=args.ws_subscribe_interval,
    )


def write_ready_file(path: pathlib.Path, content: dict[str, str]) -> None:
    # Written atomically so a poller never reads half a file.
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(content, handle)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


async def serve(args: argparse.Namespace) -> int:
    sim = Simulator(config_from(args))
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
        config_from(args)
    except ValueError as exc:
        print(f"sim: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
