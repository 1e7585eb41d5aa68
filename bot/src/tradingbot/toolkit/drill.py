"""``python -m tradingbot drill`` (live_connectivity_drill.sh): a connectivity drill that sends no order.

Steps: API authentication, ticker / balance / position reads, stream connect and stream reconnect. Result:
``var/artifacts/live_connectivity_drill.json``; a failure is classified ``auth|network|rate_limit|exchange``
(the client's ``DRILL_CATEGORY``). Only ``LIVE_DRILL_REAL_CONNECT=1`` talks to the real GMO API with the
configured secrets; otherwise the drill runs against the simulator (``TRADINGBOT_SIM_URL`` or an
embedded one).

The drill holds a :class:`ReadOnlyVenue` and nothing else: no path from here leads to an order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tradingbot.config import ConfigError, load_settings
from tradingbot.ops.atomicfile import write_bytes_atomic
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, Simulator
from tradingbot.toolkit.console import Console, iso, utc_now
from tradingbot.toolkit.readonly import ReadOnlyVenue
from tradingbot.toolkit.settings import ToolkitSettings, load_toolkit_settings
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import DRILL_CATEGORY, ErrorCategory, GmoError
from tradingbot.venues.gmo.ws import PrivateStream, PublicStream, StreamState, StreamTiming, Subscription

STEPS = ("auth", "ticker", "balance", "position", "stream_connect", "stream_reconnect")
STREAM_TIMEOUT = 15.0
_TIMING = StreamTiming(stale_after=20.0, backoff_initial=0.2, backoff_cap=2.0, open_timeout=5.0)


class DrillError(Exception):
    def __init__(self, category: str, detail: str) -> None:
        super().__init__(detail)
        self.category = category
        self.detail = detail


@dataclass
class Target:
    mode: str  # "simulator" | "real"
    endpoints: GmoEndpoints
    credentials: Credentials | None
    drop_streams: Callable[[], Awaitable[None]] | None  # server-side drop (simulator only)
    orders_received: Callable[[], Awaitable[int | None]]
    cleanup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


@dataclass
class StreamWatch:
    states: list[StreamState] = field(default_factory=list)
    events: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_state(self, state: StreamState) -> None:
        self.states.append(state)
        self.changed.set()

    def on_event(self, _event: object) -> None:
        self.events += 1
        self.changed.set()


async def _until(predicate: Callable[[], bool], watches: list[StreamWatch], what: str) -> None:
    deadline = time.monotonic() + STREAM_TIMEOUT
    while not predicate():
        left = deadline - time.monotonic()
        if left <= 0:
            raise DrillError("network", f"timed out after {STREAM_TIMEOUT:g}s waiting for {what}")
        for watch in watches:
            watch.changed.clear()
        waiters = [asyncio.create_task(w.changed.wait()) for w in watches]
        await asyncio.wait(waiters, timeout=min(left, 0.5), return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()


async def _simulator_target(settings: ToolkitSettings) -> Target:
    credentials = Credentials.of(PAPER_API_KEY, PAPER_API_SECRET)
    if settings.sim_url:
        base = settings.sim_url

        async def admin(method: str, path: str) -> httpx.Response:
            async with httpx.AsyncClient(base_url=base, timeout=5.0, trust_env=False) as client:
                return await client.request(method, path)

        async def drop_external() -> None:
            (await admin("POST", "/admin/drop-ws")).raise_for_status()

        async def orders_external() -> int | None:
            try:
                body = (await admin("GET", "/admin/orders")).json()
            except (httpx.HTTPError, ValueError):
                return None
            data = body.get("orders") if isinstance(body, dict) else None
            return len(data) if isinstance(data, list) else None

        return Target("simulator", GmoEndpoints.at(base), credentials, drop_external, orders_external)
    simulator = Simulator(SimConfig(seed=42))
    urls = await simulator.start("127.0.0.1", 0)

    async def drop_embedded() -> None:
        simulator.faults.drop_ws()

    async def orders_embedded() -> int | None:
        return len(simulator.received_orders)

    return Target(
        "simulator", GmoEndpoints.at(urls.base), credentials, drop_embedded, orders_embedded, [simulator.stop]
    )


def _real_target(settings: ToolkitSettings) -> Target:
    try:
        bot = load_settings(settings.environ)
    except ConfigError as exc:
        raise DrillError("auth", f"cannot load the configured secrets: {'; '.join(exc.problems)}") from None
    if bot.gmo_api_key is None or bot.gmo_api_secret is None:
        raise DrillError(
            "auth",
            f"LIVE_DRILL_REAL_CONNECT=1 needs gmo_api_key and gmo_api_secret "
            f"(files under {bot.secrets_dir} or env GMO_API_KEY / GMO_API_SECRET)",
        )

    async def no_count() -> int | None:
        return 0  # a ReadOnlyVenue has no order method: nothing can have been sent

    return Target(
        "real", GmoEndpoints.production(), Credentials(bot.gmo_api_key, bot.gmo_api_secret), None, no_count
    )


async def _streams(
    venue: ReadOnlyVenue, target: Target, symbol: str, console: Console, steps: list[dict[str, Any]]
) -> None:
    public_watch, private_watch = StreamWatch(), StreamWatch()
    stage, began = "stream_connect", time.monotonic()

    def done(detail: str) -> None:
        steps.append(
            {"step": stage, "status": "ok", "seconds": round(time.monotonic() - began, 3), "detail": detail}
        )
        console.say(f"step={stage} ok {detail}")

    def start() -> tuple[PublicStream, PrivateStream, list[asyncio.Task[None]]]:
        public = PublicStream(
            target.endpoints.public_ws,
            [Subscription("ticker", symbol)],
            on_state=public_watch.on_state,
            on_event=public_watch.on_event,
            timing=_TIMING,
        )
        # PrivateStream only calls the token methods of what it is given; it gets the read-only venue.
        private = PrivateStream(
            venue,
            target.endpoints.private_ws,
            ["executionEvents", "orderEvents", "positionEvents"],
            on_state=private_watch.on_state,
            on_event=private_watch.on_event,
            timing=StreamTiming(stale_after=None, backoff_initial=0.2, backoff_cap=2.0, open_timeout=5.0),
        )
        return public, private, [asyncio.create_task(public.run()), asyncio.create_task(private.run())]

    public, private, tasks = start()
    watches = [public_watch, private_watch]
    try:
        await _until(
            lambda: public.state is StreamState.CONNECTED and public_watch.events > 0,
            watches,
            "the public stream to connect and deliver a ticker frame",
        )
        await _until(lambda: private.state is StreamState.CONNECTED, watches, "the private stream to connect")
        done(
            f"public=connected frames={public_watch.events} private=connected "
            f"tokens_created={private.tokens_created}"
        )
        stage, began = "stream_reconnect", time.monotonic()
        frames_before = public_watch.events
        if target.drop_streams is not None:
            await target.drop_streams()  # the server closes every connection; the streams must come back
            await _until(
                lambda: (
                    public.connects >= 2
                    and public.state is StreamState.CONNECTED
                    and public_watch.events > frames_before
                ),
                watches,
                "the public stream to reconnect",
            )
            await _until(
                lambda: private.connects >= 2 and private.state is StreamState.CONNECTED,
                watches,
                "the private stream to reconnect",
            )
            how = "server dropped both streams; both reconnected"
        else:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            public, private, tasks = start()
            await _until(
                lambda: public.state is StreamState.CONNECTED and public_watch.events > frames_before,
                watches,
                "the public stream to reconnect",
            )
            await _until(
                lambda: private.state is StreamState.CONNECTED, watches, "the private stream to reconnect"
            )
            how = "closed both streams and connected again"
        done(f"({how}) public_states={','.join(public_watch.states)}")
    except (DrillError, GmoError, OSError, httpx.HTTPError) as exc:
        steps.append({"step": stage, "status": "failed", "seconds": round(time.monotonic() - began, 3)})
        if isinstance(exc, DrillError):
            raise
        category = DRILL_CATEGORY[exc.category] if isinstance(exc, GmoError) else "network"
        raise DrillError(category, f"{type(exc).__name__}: {exc}") from None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _run_steps(
    venue: ReadOnlyVenue, target: Target, symbol: str, console: Console, steps: list[dict[str, Any]]
) -> None:
    async def step(name: str, action: Callable[[], Awaitable[str]]) -> None:
        began = time.monotonic()
        try:
            detail = await action()
        except GmoError as exc:
            steps.append({"step": name, "status": "failed", "seconds": round(time.monotonic() - began, 3)})
            raise DrillError(DRILL_CATEGORY[exc.category], f"{type(exc).__name__}: {exc}") from None
        except DrillError:
            steps.append({"step": name, "status": "failed", "seconds": round(time.monotonic() - began, 3)})
            raise
        except (OSError, httpx.HTTPError) as exc:
            steps.append({"step": name, "status": "failed", "seconds": round(time.monotonic() - began, 3)})
            raise DrillError(DRILL_CATEGORY[ErrorCategory.NETWORK], f"{type(exc).__name__}: {exc}") from None
        steps.append(
            {"step": name, "status": "ok", "seconds": round(time.monotonic() - began, 3), "detail": detail}
        )
        console.say(f"step={name} ok {detail}")

    async def auth() -> str:
        token = await venue.create_ws_token()  # a signed POST: proves the key, the secret and the clock
        await venue.delete_ws_token(token)
        return "signed request accepted"

    async def ticker() -> str:
        t = await venue.get_ticker(symbol)
        return f"symbol={t.symbol} bid={t.bid} ask={t.ask}"

    async def balance() -> str:
        margin = await venue.get_margin()
        assets = await venue.get_assets()
        return f"margin_call_status={margin.margin_call_status} assets={len(assets)}"

    async def position() -> str:
        positions = await venue.get_open_positions(symbol)
        summary = await venue.get_position_summary(symbol)
        return f"open_positions={len(positions)} summaries={len(summary)}"

    await step("auth", auth)
    await step("ticker", ticker)
    await step("balance", balance)
    await step("position", position)
    await _streams(venue, target, symbol, console, steps)


async def drill(settings: ToolkitSettings, console: Console) -> dict[str, Any]:
    started = utc_now()
    steps: list[dict[str, Any]] = []
    result: dict[str, Any] = {
        "started_at": iso(started),
        "real_connect": settings.live_drill_real_connect,
        "symbol": settings.symbol,
        "steps": steps,
        "orders_sent": None,
    }
    target: Target | None = None
    try:
        target = (
            _real_target(settings) if settings.live_drill_real_connect else await _simulator_target(settings)
        )
        result["mode"] = target.mode
        result["endpoints"] = {
            "public_rest": target.endpoints.public_rest,
            "private_rest": target.endpoints.private_rest,
            "public_ws": target.endpoints.public_ws,
            "private_ws": target.endpoints.private_ws,
        }
        console.say(
            f"mode={target.mode} "
            + (
                "(LIVE_DRILL_REAL_CONNECT=1: real GMO API/WS) "
                if target.mode == "real"
                else "(LIVE_DRILL_REAL_CONNECT is not 1: simulator only, no real connection) "
            )
            + f"public_rest={target.endpoints.public_rest}"
        )
        async with ReadOnlyVenue(target.endpoints, target.credentials) as venue:
            await _run_steps(venue, target, settings.symbol, console, steps)
        result["result"], result["failure"] = "pass", None
    except DrillError as failure:
        done = {s["step"] for s in steps}
        failed_step = next((s["step"] for s in steps if s["status"] == "failed"), "setup")
        result["result"] = "fail"
        result["failure"] = {"category": failure.category, "step": failed_step, "detail": failure.detail}
        result["not_run"] = [s for s in STEPS if s not in done]
    finally:
        if target is not None:
            result["orders_sent"] = await target.orders_received()
            for cleanup in target.cleanup:
                await cleanup()
    result["finished_at"] = iso(utc_now())
    return result


def run_drill(settings: ToolkitSettings) -> int:
    console = Console("drill")
    result = asyncio.run(drill(settings, console))
    path = settings.layout.live_drill_result
    write_bytes_atomic(path, (json.dumps(result, indent=2) + "\n").encode())
    console.say(f"orders_sent={result['orders_sent']}")
    if result["result"] == "pass":
        console.say("RESULT: PASS")
        console.say(f"wrote {path}")
        return 0
    failure = result["failure"]
    console.raw(f"failure_category={failure['category']}")
    console.say(
        f"RESULT: FAIL category={failure['category']} step={failure['step']} detail={failure['detail']}"
    )
    console.say(f"wrote {path}")
    return 1


def _main(args: argparse.Namespace) -> int:
    settings = load_toolkit_settings(Path.cwd())
    if args.var_dir is not None:
        from dataclasses import replace

        settings = replace(settings, var_dir=args.var_dir)
    return run_drill(settings)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "drill", help="non-destructive connectivity drill (live_connectivity_drill.sh)", description=__doc__
    )
    parser.add_argument("--var-dir", type=Path, default=None, help="default: TRADINGBOT_VAR_DIR or ./var")
    parser.set_defaults(func=_main)
