"""The simulator's price-source seam fed by a public stream (tradingbot.paperlive.LiveBookFeed).

A second simulator stands in for GMO. The paper exchange takes the upstream's book as its own, and refuses
writes (ERR-5203, pre-open) before the first book and whenever the upstream stream is down, until a fresh
book arrives: nothing fills at a stale price.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from decimal import Decimal

from tradingbot.paperlive import WAITING, LiveBookFeed
from tradingbot.sim import SimConfig, Simulator
from tradingbot.venues.gmo.ws import StreamTiming

FAST = StreamTiming(
    stale_after=1.0, subscribe_interval=0.06, backoff_initial=0.05, backoff_cap=0.2,
    open_timeout=2.0, close_timeout=0.2, ping_interval=None, ping_timeout=None,
)  # fmt: skip


async def _until(pred: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        await asyncio.sleep(0.01)


async def test_book_follows_upstream_and_writes_wait_for_a_fresh_book() -> None:
    upstream = Simulator(
        SimConfig(seed=3, symbols=("BTC_JPY",), tick_interval=0.05, ws_subscribe_interval=0.05)
    )
    paper = Simulator(SimConfig(seed=9, symbols=("BTC_JPY",), tick_interval=0))
    await upstream.start("127.0.0.1", 0)
    await upstream.set_price("BTC_JPY", Decimal("7000000"))  # far from the paper default of 15,000,000
    feed = LiveBookFeed(paper, upstream.urls.public_ws, "BTC_JPY", timing=FAST)
    assert paper.faults.maintenance == WAITING, "no book yet: writes refused"
    task = asyncio.create_task(feed.run())
    try:
        await _until(
            lambda: feed.books > 0 and paper.faults.maintenance is None, "first book opens the exchange"
        )
        book = paper.exchange.markets["BTC_JPY"]
        assert abs(book.best_ask - Decimal("7000000")) / Decimal("7000000") < Decimal("0.05")
        assert book.best_bid < book.best_ask
        books_before = feed.books
        upstream.faults.drop_ws()
        # Counted, not sampled: the reconnect can be quicker than a poll.
        await _until(lambda: feed.holds >= 2, "a dropped upstream holds the exchange")
        await _until(
            lambda: feed.books > books_before and paper.faults.maintenance is None, "a fresh book reopens it"
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await paper.stop()
        await upstream.stop()
