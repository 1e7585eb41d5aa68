"""WebSocket connections: subscriptions, a bounded send queue per connection, fault-aware writers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from tradingbot.sim.faults import FaultPlan

log = logging.getLogger(__name__)

# Alternating kinds of garbage: a truncated JSON object and bytes that are not JSON at all.
GARBAGE = ('{"channel":"ticker","ask":"12', "\x00not-json\x7f")


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    kind: str  # "public" | "private"
    queue: asyncio.Queue[str]
    api_key: str | None = None
    token: str | None = None
    subs: set[tuple[str, str]] = field(default_factory=set)
    last_command: float = float("-inf")
    last_ping: float = 0.0
    missed_pings: int = 0
    periodic: bool = False
    writer: asyncio.Task[None] | None = None


class Hub:
    def __init__(self, faults: FaultPlan, queue_size: int) -> None:
        self.faults = faults
        self.queue_size = queue_size
        self.connections: set[Connection] = set()
        self._wanted: Counter[tuple[str, str]] = Counter()
        self._garbage_turn = 0
        self._closing: set[asyncio.Task[None]] = set()

    def open(
        self, ws: web.WebSocketResponse, kind: str, api_key: str | None = None, token: str | None = None
    ) -> Connection:
        conn = Connection(ws, kind, asyncio.Queue(self.queue_size), api_key, token)
        conn.writer = asyncio.create_task(self._write(conn), name=f"sim-ws-writer-{kind}")
        self.connections.add(conn)
        return conn

    async def close(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for sub in conn.subs:
            self._wanted[sub] -= 1
        conn.subs.clear()
        if conn.writer is not None:
            conn.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await conn.writer
        if not conn.ws.closed:
            with contextlib.suppress(Exception):
                await conn.ws.close()

    def subscribe(self, conn: Connection, channel: str, symbol: str) -> None:
        if (channel, symbol) not in conn.subs:
            conn.subs.add((channel, symbol))
            self._wanted[(channel, symbol)] += 1

    def unsubscribe(self, conn: Connection, channel: str, symbol: str) -> None:
        if (channel, symbol) in conn.subs:
            conn.subs.discard((channel, symbol))
            self._wanted[(channel, symbol)] -= 1

    def wants(self, channel: str, symbol: str) -> bool:
        return self._wanted[(channel, symbol)] > 0

    def listeners(self, symbol: str) -> list[Connection]:
        """Public connections subscribed to any channel of ``symbol``."""
        return [c for c in self.connections if c.kind == "public" and any(s == symbol for _, s in c.subs)]

    def send(self, conn: Connection, text: str) -> None:
        try:
            conn.queue.put_nowait(text)
        except asyncio.QueueFull:
            # GMO closes connections that do not keep up; so do we, rather than buffer without bound.
            log.warning("sim: closing a slow %s WebSocket (queue of %d full)", conn.kind, self.queue_size)
            self.close_later(conn)

    def publish(self, channel: str, symbol: str, text: str, api_key: str | None = None) -> None:
        for conn in list(self.connections):
            if (channel, symbol) in conn.subs and (api_key is None or conn.api_key == api_key):
                self.send(conn, text)

    def drop_all(self) -> None:
        for conn in list(self.connections):
            self.close_later(conn)

    def drop_tokens(self, tokens: set[str]) -> None:
        for conn in list(self.connections):
            if conn.token in tokens:
                self.close_later(conn)

    def close_later(self, conn: Connection) -> None:
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        task = asyncio.create_task(self.close(conn))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close_all(self) -> None:
        await asyncio.gather(*(self.close(c) for c in list(self.connections)), return_exceptions=True)
        if self._closing:
            await asyncio.gather(*list(self._closing), return_exceptions=True)

    async def _write(self, conn: Connection) -> None:
        while True:
            text = await conn.queue.get()
            if self.faults.ws_stall:
                continue  # silently swallowed: the connection stays open and says nothing
            try:
                if self.faults.take("malformed_next"):
                    self._garbage_turn += 1
                    await conn.ws.send_str(GARBAGE[self._garbage_turn % len(GARBAGE)])
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                self.close_later(conn)
                return
