"""WebSocket streams: public market data and private order/execution/position events.

Both run until cancelled and survive everything the network does: reconnect with capped exponential backoff
and full jitter, resubscribe paced at GMO's 1 message/s, detect a stream that went silent (no frame for
`stale_after` seconds, or no pong to our pings), and count + log malformed frames without dying. The private
stream owns its access token: created with POST /v1/ws-auth, extended with PUT before the 60-minute expiry,
replaced when the exchange rejects it, deleted when the stream stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import orjson
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from tradingbot.marketdata import MarketEvent
from tradingbot.venues.gmo.errors import GmoError
from tradingbot.venues.gmo.malformed import MalformedLog
from tradingbot.venues.gmo.market import ExchangeErrorFrame, MalformedFrame, MarketDecoder
from tradingbot.venues.gmo.models import PRIVATE_EVENT_MODELS, PrivateEvent
from tradingbot.venues.gmo.ratelimit import PROCESS_SUBSCRIBE_PACER, SubscribePacer
from tradingbot.venues.gmo.tokenstore import TokenStore
from tradingbot.venues.gmo.wstoken import RETRYABLE, TokenKeeper, WsTokenSource

log = logging.getLogger(__name__)

PUBLIC_CHANNELS = frozenset({"ticker", "orderbooks", "trades"})
PRIVATE_CHANNELS = frozenset({"executionEvents", "orderEvents", "positionEvents", "positionSummaryEvents"})


class StreamState(StrEnum):
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STALE = "stale"


class StreamObserver(Protocol):
    """Metrics hooks for streams (implemented by the ops layer)."""

    def on_malformed_frame(self, stream: str) -> None: ...

    def on_reconnect(self, stream: str) -> None: ...


@dataclass(frozen=True)
class Subscription:
    channel: str
    symbol: str

    def __post_init__(self) -> None:
        if self.channel not in PUBLIC_CHANNELS:
            raise ValueError(f"public channel must be one of {sorted(PUBLIC_CHANNELS)}, got {self.channel!r}")


@dataclass(frozen=True)
class StreamTiming:
    """Every timing knob, so tests can run the same code in milliseconds."""

    stale_after: float | None = 30.0  # None: rely on pings only (quiet private streams)
    # GMO allows 1 subscribe/unsubscribe message a second per IP and counts on its side: the quarter second
    # above the limit is room for two messages that bunch on the way (see SubscribePacer).
    subscribe_interval: float = 1.25
    backoff_initial: float = 0.5
    backoff_cap: float = 30.0
    open_timeout: float = 10.0
    close_timeout: float = 2.0
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    token_extend_every: float = 30 * 60.0  # tokens live 60 minutes; extend at half-life
    token_retry_after: float = 30.0  # a failed extension is retried this soon


class _Stale(Exception):  # noqa: N818 - control flow, never escapes this module
    pass


class _Stream:
    name = "stream"
    _wire_logger: logging.Logger | None = None  # websockets' own logger ("websockets.client") when None

    def __init__(
        self,
        *,
        on_state: Callable[[StreamState], None] | None,
        timing: StreamTiming,
        observer: StreamObserver | None,
        rng: random.Random | None,
    ) -> None:
        self._on_state = on_state
        self.timing = timing
        self._observer = observer
        self._rng = rng or random.Random()
        self.state: StreamState | None = None
        self.malformed_frames = 0
        self.connects = 0
        self.frames = 0
        # GMO's subscribe limit is per IP, so every stream of the process shares one pacer.
        self._pacer: SubscribePacer = PROCESS_SUBSCRIBE_PACER

    def _set_state(self, state: StreamState) -> None:
        if state is self.state:
            return
        self.state = state
        log.info("%s stream: %s", self.name, state)
        if self._on_state is not None:
            self._on_state(state)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.timing.backoff_cap, self.timing.backoff_initial * (2**attempt))
        return self._rng.uniform(0.0, ceiling)

    def _malformed(self, frame: str | bytes, why: str) -> None:
        self.malformed_frames += 1
        if self._observer is not None:
            self._observer.on_malformed_frame(self.name)
        preview = frame[:120] if isinstance(frame, str) else frame[:120].decode("utf-8", "replace")
        log.warning("%s stream: malformed frame #%d (%s): %r", self.name, self.malformed_frames, why, preview)

    async def _url(self) -> str:
        raise NotImplementedError

    def _messages(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _handle(self, frame: str | bytes) -> None:
        raise NotImplementedError

    def _on_connect_failure(self, exc: BaseException) -> None:
        return None

    def _session_tasks(self, ws: ClientConnection) -> list[asyncio.Task[None]]:
        return []

    async def _shutdown(self) -> None:
        return None

    async def run(self) -> None:
        """Stream until cancelled."""
        attempt = 0
        try:
            while True:
                stale = False
                frames_before = self.frames
                try:
                    url = await self._url()
                    async with connect(
                        url,
                        open_timeout=self.timing.open_timeout,
                        close_timeout=self.timing.close_timeout,
                        ping_interval=self.timing.ping_interval,
                        ping_timeout=self.timing.ping_timeout,
                        max_size=2**22,
                        logger=self._wire_logger,
                    ) as ws:
                        self.connects += 1
                        if self.connects > 1 and self._observer is not None:
                            self._observer.on_reconnect(self.name)
                        self._set_state(StreamState.CONNECTED)
                        await self._session(ws)
                except _Stale:
                    stale = True
                    log.warning(
                        "%s stream: no frame for %ss, reconnecting", self.name, self.timing.stale_after
                    )
                except (OSError, TimeoutError, WebSocketException, GmoError) as exc:
                    self._on_connect_failure(exc)
                    log.warning("%s stream: %s: %s", self.name, type(exc).__name__, exc)
                if self.frames > frames_before:
                    attempt = 0  # data flowed: the next outage starts from the short delay again
                self._set_state(StreamState.STALE if stale else StreamState.RECONNECTING)
                delay = self._backoff(attempt)
                attempt += 1
                await asyncio.sleep(delay)
        finally:
            await self._shutdown()

    async def _session(self, ws: ClientConnection) -> None:
        tasks = [asyncio.create_task(self._subscribe_all(ws)), *self._session_tasks(ws)]
        try:
            while True:
                try:
                    async with asyncio.timeout(self.timing.stale_after):
                        frame = await ws.recv()
                except TimeoutError:
                    raise _Stale from None
                self.frames += 1
                self._handle(frame)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _subscribe_all(self, ws: ClientConnection) -> None:
        for message in self._messages():
            await self._pacer.wait_turn(self.timing.subscribe_interval)
            await ws.send(orjson.dumps(message).decode())
            self._pacer.sent()
            log.debug("%s stream: sent %s", self.name, message)


class PublicStream(_Stream):
    """Public market data: decodes and validates every frame into neutral events, keeps a typed MarketState.

    ``on_event`` receives ``Ticker``/``OrderBook``/``Trade`` (``tradingbot.marketdata``) and
    ``ExchangeErrorFrame``; a refused frame never reaches it and never raises out of the stream: it is
    counted (``malformed_frames``, ``decoder.malformed_by_reason``), reported to ``on_malformed(reason)``
    (or, without it, to ``observer.on_malformed_frame``) and logged at most once per reason per minute.
    ``symbols``: the symbols to accept; default the subscriptions' symbols.
    """

    name = "public"

    def __init__(
        self,
        url: str,
        subscriptions: Sequence[Subscription],
        *,
        on_state: Callable[[StreamState], None] | None = None,
        on_event: Callable[[MarketEvent | ExchangeErrorFrame], None] | None = None,
        decoder: MarketDecoder | None = None,
        stale_after: float | None = 30.0,
        timing: StreamTiming | None = None,
        observer: StreamObserver | None = None,
        rng: random.Random | None = None,
        symbols: Iterable[str] | None = None,
        on_malformed: Callable[[str], None] | None = None,
        malformed_log: MalformedLog | None = None,
    ) -> None:
        if timing is None:
            timing = StreamTiming(stale_after=stale_after)
        super().__init__(on_state=on_state, timing=timing, observer=observer, rng=rng)
        self.url = url
        self.subscriptions = tuple(subscriptions)
        if decoder is None:
            wanted = symbols if symbols is not None else {s.symbol for s in self.subscriptions}
            decoder = MarketDecoder(symbols=wanted)
        self.decoder = decoder
        self._on_event = on_event
        self._on_malformed = on_malformed
        self.malformed_log = malformed_log if malformed_log is not None else MalformedLog(log, self.name)
        self.error_frames = 0

    async def _url(self) -> str:
        return self.url

    def _messages(self) -> list[dict[str, Any]]:
        return [
            {"command": "subscribe", "channel": s.channel, "symbol": s.symbol} for s in self.subscriptions
        ]

    def _handle(self, frame: str | bytes) -> None:
        try:
            event = self.decoder.decode(frame)
        except MalformedFrame as exc:
            self._refused(frame, exc)
            return
        if event.__class__ is ExchangeErrorFrame:
            self.error_frames += 1
            log.warning("public stream: exchange error frame %r", event.message)
        if self._on_event is not None:
            self._on_event(event)

    def _refused(self, frame: str | bytes, exc: MalformedFrame) -> None:
        self.malformed_frames += 1
        if self._on_malformed is not None:
            self._on_malformed(exc.reason)
        elif self._observer is not None:
            self._observer.on_malformed_frame(self.name)
        self.malformed_log.refused(exc.reason, str(exc), frame)


class _TokenPathFilter(logging.Filter):
    """websockets logs the handshake request line at DEBUG, and the private URL ends in the token."""

    _PATH = re.compile(r"(/ws/private/v1/)[^\s/]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._PATH.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


# A child of "websockets", so the bot's log set-up (websockets at WARNING) still applies to it.
_PRIVATE_WIRE_LOG = logging.getLogger("websockets.client.gmo_private")
_PRIVATE_WIRE_LOG.addFilter(_TokenPathFilter())


class PrivateStream(_Stream):
    """Private events (executions, orders, positions, position summaries) as pydantic models."""

    name = "private"
    _wire_logger = _PRIVATE_WIRE_LOG
    TOKEN_DELETE_TIMEOUT = 5.0

    def __init__(
        self,
        rest_client: WsTokenSource,
        url: str,
        channels: Sequence[str],
        *,
        on_state: Callable[[StreamState], None] | None = None,
        on_event: Callable[[PrivateEvent], None] | None = None,
        timing: StreamTiming | None = None,
        observer: StreamObserver | None = None,
        rng: random.Random | None = None,
        token_store: TokenStore | None = None,
        on_token_renewal: Callable[[str], None] | None = None,
    ) -> None:
        bad = [c for c in channels if c not in PRIVATE_CHANNELS]
        if bad:
            raise ValueError(f"private channels must be among {sorted(PRIVATE_CHANNELS)}, got {bad}")
        super().__init__(
            on_state=on_state, timing=timing or StreamTiming(stale_after=None), observer=observer, rng=rng
        )
        self._rest = rest_client
        self.url = url.rstrip("/")
        self.channels = tuple(channels)
        self._on_event = on_event
        self.tokens = TokenKeeper(
            rest_client,
            token_store,
            # A token left at the exchange counts against GMO's 5 per key for an hour: give its DELETE on a
            # clean stop more than the WebSocket close handshake gets (a slow answer is not a lost token).
            delete_timeout=max(self.timing.close_timeout, self.TOKEN_DELETE_TIMEOUT),
            on_renewal=on_token_renewal,
        )

    # Counters kept for the tests and the benchmarks that read them off the stream.
    @property
    def tokens_created(self) -> int:
        return self.tokens.created

    @property
    def tokens_extended(self) -> int:
        return self.tokens.extended

    @property
    def tokens_reused(self) -> int:
        return self.tokens.reused

    @property
    def token_renewals(self) -> dict[str, int]:
        return self.tokens.renewals

    async def _url(self) -> str:
        return f"{self.url}/{await self.tokens.current(after_drop=self.connects > 0)}"

    def _on_connect_failure(self, exc: BaseException) -> None:
        if isinstance(exc, InvalidStatus):
            # The handshake was refused: the usual reason is an expired or unknown token.
            self.tokens.drop("handshake_refused")

    def _messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        for channel in self.channels:
            message: dict[str, Any] = {"command": "subscribe", "channel": channel}
            if channel == "positionSummaryEvents":
                message["option"] = "PERIODIC"
            messages.append(message)
        return messages

    def _session_tasks(self, ws: ClientConnection) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self._keep_token_alive(ws))]

    async def _keep_token_alive(self, ws: ClientConnection) -> None:
        delay = self.timing.token_extend_every
        while True:
            await asyncio.sleep(delay)
            if self.tokens.token is None:
                return
            try:
                await self.tokens.extend()
                delay = self.timing.token_extend_every
            except GmoError as exc:
                if exc.category in RETRYABLE:
                    log.warning("private stream: token extension failed (%s), retrying", exc.category)
                    delay = self.timing.token_retry_after
                    continue
                log.warning("private stream: token rejected (%s), reconnecting with a new one", exc.category)
                self.tokens.drop("extension_rejected")
                await ws.close()
                return

    def _handle(self, frame: str | bytes) -> None:
        try:
            raw = orjson.loads(frame)
        except orjson.JSONDecodeError:
            self._malformed(frame, "not JSON")
            return
        if not isinstance(raw, dict):
            self._malformed(frame, "not an object")
            return
        if "channel" not in raw and isinstance(raw.get("error"), str):
            log.warning("private stream: exchange error frame %r", raw["error"])
            return
        channel = raw.get("channel")
        model = PRIVATE_EVENT_MODELS.get(channel) if isinstance(channel, str) else None
        if model is None:
            self._malformed(frame, f"unknown channel {raw.get('channel')!r}")
            return
        try:
            event = model.model_validate(raw)
        except ValidationError as exc:
            self._malformed(frame, f"{exc.error_count()} invalid fields")
            return
        if self._on_event is not None:
            self._on_event(event)

    async def _shutdown(self) -> None:
        await self.tokens.release()
