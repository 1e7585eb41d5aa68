"""A TCP proxy on loopback that delays what passes through it by a random amount, in both directions.

Placed between the client and the simulator it reproduces what a loaded host or a real network does to
requests: each connection keeps its byte order, but two connections are delayed independently, so requests
sent apart can arrive together (and answers come back late). HTTP keep-alive pools and WebSocket streams
both pass through unchanged, byte for byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field


@dataclass
class Jitter:
    """Each chunk waits uniform(0, spread) seconds; one chunk in `spike_every` waits `spike` more."""

    spread: float
    spike: float = 0.0
    spike_every: int = 0
    seed: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def delay(self) -> float:
        extra = self.spike if self.spike_every and self.rng.randrange(self.spike_every) == 0 else 0.0
        return self.rng.uniform(0.0, self.spread) + extra


class JitterProxy:
    def __init__(self, upstream_host: str, upstream_port: int, jitter: Jitter) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.jitter = jitter
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> JitterProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task
        await self._server.wait_closed()

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        self._spawn(self._pump(client_r, up_w))
        self._spawn(self._pump(up_r, client_w))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        deliver_after = 0.0

        async def deliver() -> None:
            while True:
                at, chunk = await queue.get()
                if not chunk:
                    break
                # The delay being simulated, not a wait for a condition.
                await asyncio.sleep(max(0.0, at - loop.time()))
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while chunk := await reader.read(65536):
                # Order within one connection is kept (TCP); the delay is drawn per chunk.
                deliver_after = max(deliver_after, loop.time() + self.jitter.delay())
                queue.put_nowait((deliver_after, chunk))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((deliver_after, b""))
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                await sender
            writer.close()
