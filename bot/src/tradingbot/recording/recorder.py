"""Write public WebSocket frames, exactly as received, one per line: the input ``tradingbot replay`` reads.

The venue's :class:`~tradingbot.venues.gmo.PublicStream` does the connecting, subscribing (paced at GMO's
one message a second), reconnecting and stale detection; the recorder only hands it a decoder that
writes each raw frame before decoding it. Malformed frames are kept too: replay counts them, as the bot
would. A frame is flushed at once, so a recording cut short (Ctrl-C, kill) loses at most the line being
written, and replay skips a torn last line as malformed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from tradingbot.venues.gmo import PublicStream, StreamState, Subscription
from tradingbot.venues.gmo.market import ExchangeErrorFrame, MarketDecoder, MarketEvent

log = logging.getLogger(__name__)


class RecordingDecoder(MarketDecoder):
    def __init__(self, sink: TextIO) -> None:
        super().__init__()
        self._sink = sink
        self.frames = 0

    def decode(self, frame: bytes | str) -> MarketEvent | ExchangeErrorFrame:
        text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        # One frame per line: GMO's frames are single-line JSON; a stray newline would split a frame.
        self._sink.write(text.replace("\r", " ").replace("\n", " ") + "\n")
        self._sink.flush()
        self.frames += 1
        return super().decode(frame)


@dataclass(frozen=True, slots=True)
class RecordResult:
    path: Path
    frames: int
    seconds: float
    connects: int


async def record(
    public_ws: str,
    out: Path,
    *,
    symbol: str,
    channels: Sequence[str] = ("ticker",),
    seconds: float | None = None,
    max_frames: int | None = None,
    stop: asyncio.Event | None = None,
) -> RecordResult:
    """Record until ``seconds`` pass, ``max_frames`` frames arrived, or ``stop`` is set."""
    subscriptions = [Subscription(channel, symbol) for channel in channels]  # validates the channel names
    out.parent.mkdir(parents=True, exist_ok=True)
    stop = stop or asyncio.Event()
    started = time.monotonic()
    with out.open("w", encoding="utf-8") as sink:
        decoder = RecordingDecoder(sink)

        def on_event(_: MarketEvent | ExchangeErrorFrame) -> None:
            if max_frames is not None and decoder.frames >= max_frames:
                stop.set()

        def on_state(state: StreamState) -> None:
            log.info("record: public stream %s", state.value)

        stream = PublicStream(public_ws, subscriptions, decoder=decoder, on_event=on_event, on_state=on_state)
        task = asyncio.create_task(stream.run())
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    waiter = asyncio.create_task(stop.wait())
                    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    if task in done:
                        task.result()  # the stream ended on its own: surface why
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return RecordResult(out, decoder.frames, time.monotonic() - started, stream.connects)
