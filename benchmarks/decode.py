"""Figure 1: public frames -> validated typed events -> MarketState, against orjson.loads and pybotters."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from tradingbot.marketdata import MarketEvent, OrderBook, Ticker
from tradingbot.venues.gmo import PublicStream, Subscription
from tradingbot.venues.gmo.market import ExchangeErrorFrame

from benchmarks.frames import generate
from benchmarks.report import Figure, summary

FRAMES = 200_000
PASSES = 2
CHUNK = 20_000
SYMBOL = "BTC_JPY"


def _cpu_seconds(run: Callable[[list[str]], Any], frames: list[str]) -> float:
    # CPU time of this process, not wall time: the machine is shared and a preempted loop would count
    # someone else's work as ours.
    started = time.process_time()
    run(frames)
    return time.process_time() - started


def _orjson_only(frames: list[str]) -> None:
    loads = orjson.loads
    for frame in frames:
        loads(frame)


def _bot_path() -> Callable[[list[str]], None]:
    """The daemon's path: PublicStream._handle -> MarketDecoder (decode, validate) -> MarketState -> callback.

    The callback reads a price of every event, as a strategy does: a ticker's or a book's mid (Decimal
    best bid and ask) and a trade's price; every event is dropped after dispatch, as in the daemon (the
    state keeps the latest ticker/book and 100 trades).
    """
    prices: list[Decimal] = [Decimal(0)]

    def on_market(event: MarketEvent | ExchangeErrorFrame) -> None:
        cls = event.__class__
        if cls is Ticker or cls is OrderBook:
            mid = event.mid  # type: ignore[union-attr]
            if mid is not None:
                prices[0] = mid
        else:
            prices[0] = event.price  # type: ignore[union-attr]

    def run(frames: list[str]) -> None:
        stream = PublicStream(
            "ws://127.0.0.1:1/ws/public/v1", [Subscription("ticker", SYMBOL)], on_event=on_market
        )
        handle = stream._handle  # the per-frame entry point of the stream's receive loop
        for frame in frames:
            handle(frame)
        state = stream.decoder.state
        assert stream.malformed_frames == 0, stream.malformed_frames
        assert state.best_bid(SYMBOL) is not None
        assert state.last_price(SYMBOL) is not None

    return run


def _pybotters(frames: list[str]) -> None:
    import pybotters

    store = pybotters.GMOCoinDataStore()
    loads = orjson.loads
    onmessage = store.onmessage
    for frame in frames:
        onmessage(loads(frame))


def run() -> list[Figure]:
    frames = [f.decode() for f in generate(FRAMES)]  # websockets hands text frames over as str
    bot_run = _bot_path()
    _orjson_only(frames[:20_000])  # warm-up
    bot_run(frames[:20_000])
    # Paired rounds over the same chunk, alternating which goes first; the verdict is the median of the
    # per-pair ratios, which cancels the drift of a noisy machine better than comparing two long runs.
    ratios: list[float] = []
    floor_cpu = bot_cpu = 0.0
    frames_done = 0
    for _ in range(PASSES):
        for index, start in enumerate(range(0, len(frames), CHUNK)):
            chunk = frames[start : start + CHUNK]
            if index % 2:
                b = _cpu_seconds(bot_run, chunk)
                f = _cpu_seconds(_orjson_only, chunk)
            else:
                f = _cpu_seconds(_orjson_only, chunk)
                b = _cpu_seconds(bot_run, chunk)
            floor_cpu += f
            bot_cpu += b
            frames_done += len(chunk)
            ratios.append(f / b)
    floor_rate, bot_rate = frames_done / floor_cpu, frames_done / bot_cpu
    ratio = statistics.median(ratios)
    try:
        pyb_cpu = _cpu_seconds(_pybotters, frames)
        pyb_rate = len(frames) / pyb_cpu
    except ImportError:
        pyb_rate = float("nan")
    kinds = {"ticker": 0, "orderbooks": 0, "trades": 0}
    for frame in frames:
        kinds[orjson.loads(frame)["channel"]] += 1
    details = {
        "frames": len(frames),
        "mix": kinds,
        "passes": PASSES,
        "chunk": CHUNK,
        "pair_ratios": summary(ratios),
        "orjson_frames_per_cpu_s": floor_rate,
        "bot_frames_per_cpu_s": bot_rate,
        "pybotters_frames_per_cpu_s": pyb_rate,
    }
    return [
        Figure(
            "decode",
            "bot decode+validate+dispatch -> MarketState",
            bot_rate,
            "frames/s",
            floor_rate,
            "orjson.loads alone",
            ">= 1.00x (median of paired rounds; issue 13)",
            ratio >= 1.0,
            details | {"verdict_ratio": ratio},
        ),
        Figure(
            "decode",
            "bot vs pybotters GMOCoinDataStore",
            bot_rate,
            "frames/s",
            pyb_rate,
            "pybotters store",
            "info (>= 15x implied)",
            None if pyb_rate != pyb_rate else bot_rate >= 15 * pyb_rate,
            {},
        ),
    ]
