"""Figure 4 (bot): RSS of `python -m tradingbot run` over an hour-equivalent of accelerated trading.

An hour-equivalent is 14,400 price steps: one hour at the simulator's default 0.25 s tick. The simulator
runs in its own process with a 4 ms tick, so the bot receives tickers (and trades on its ma_cross
crossovers) about 60x faster than live; its timers (account poll 1 s, progress 5 s) stay in real time.
RSS is sampled every second with psutil; "no growth" is judged on the second half of the samples by a
least-squares slope, extrapolated over that half.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]

from benchmarks.procs import NOT_YET, bot_env, free_port, healthy, simulator, start_bot, stop
from benchmarks.report import Figure
from tests.support.eventually import eventually_sync

HOUR_STEPS = 14_400
TICK = 0.004
RSS_TARGET_MB = 80.0
GROWTH_LIMIT_MB = 1.0  # fitted growth over the second half that still counts as flat (allocator noise)


def _slope(xs: list[float], ys: list[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 0.0 if den == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def run() -> list[Figure]:
    root = Path(".cache")
    root.mkdir(exist_ok=True)
    times: list[float] = []
    rss_mb: list[float] = []
    steps: list[int] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-", dir=root) as tmp:
        work = Path(tmp)
        with simulator(work, tick_interval=TICK) as (_, base):
            port = free_port()
            env = bot_env(
                work, base, port,
                TRADINGBOT_RISK__MAX_DRAWDOWN="0.9", TRADINGBOT_RISK__DAILY_LOSS_LIMIT="100000000",
                TRADINGBOT_RISK__MAX_TRADE_LOSS="100000000", TRADINGBOT_RISK__MAX_WALLET_DRIFT="100000000",
                TRADINGBOT_RISK__MAX_POSITION_SIZE="1",
            )  # fmt: skip
            proc = start_bot(work, env)
            try:
                eventually_sync(lambda: healthy(port), 60, "bench: bot /healthz 200", ignore=NOT_YET)
                bot = psutil.Process(proc.pid)
                first = httpx.get(f"{base}/admin/state", timeout=5).json()["step"]
                started = time.monotonic()
                while True:
                    state = httpx.get(f"{base}/admin/state", timeout=5).json()
                    times.append(time.monotonic() - started)
                    rss_mb.append(bot.memory_info().rss / 2**20)
                    steps.append(state["step"] - first)
                    if steps[-1] >= HOUR_STEPS:
                        break
                    if proc.poll() is not None:
                        raise RuntimeError(f"bot exited with {proc.returncode} during the memory run")
                    time.sleep(1.0)
                orders = state["received_orders"]
                still_healthy = healthy(port)
            finally:
                stop(proc)
    half = len(rss_mb) // 2
    second_t, second_rss = times[half:], rss_mb[half:]
    slope = _slope(second_t, second_rss)  # MB per second
    growth = slope * (second_t[-1] - second_t[0]) if len(second_t) > 1 else 0.0
    final = rss_mb[-1]
    details = {
        "steps": steps[-1],
        "wall_s": times[-1],
        "orders_sent": orders,
        "healthy_at_end": still_healthy,
        "samples": len(rss_mb),
        "rss_mb_first_last_max": [rss_mb[0], final, max(rss_mb)],
        "second_half_slope_mb_per_s": slope,
        "second_half_fitted_growth_mb": growth,
        "rss_mb_series": [round(x, 2) for x in rss_mb],
    }
    return [
        Figure("memory", "bot RSS after an hour-equivalent", final, "MB", None, "",
               f"<= {RSS_TARGET_MB:g} MB", final <= RSS_TARGET_MB, details),
        Figure("memory", "bot RSS growth over the second half (fit)", growth, "MB", None, "",
               f"~0 (<= {GROWTH_LIMIT_MB:g} MB)", growth <= GROWTH_LIMIT_MB, {}),
    ]  # fmt: skip
