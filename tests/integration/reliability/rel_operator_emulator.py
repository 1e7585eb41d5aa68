"""The operator suites' emulated API: kmock_fixed.FixedEmulator plus watch-stream cuts and a write hook.

Subclassed here (not edited in tests/integration/operator/) so the operator's own tests keep their
emulator as it is. What it adds:

- ``cutter``: decides, per watch request, whether and how that watch stream is cut. The four cuts are
  what an operator meets in a cluster: the API server ends the stream (``eof``, as on its timeout or
  a restart), the connection dies (``abort``: transport aborted, the chunked body never ends), the
  connection dies in the middle of an event line (``torn``), and the server says the resource version
  is too old (``gone``: an ERROR event with code 410, which makes kopf re-list). A cut happens after a
  seeded number of events or a seeded time, whichever comes first; ``refuse`` answers the watch
  request itself with a 500.
- ``watch_log``: every watch start and cut, and every list (a re-list after a 410 shows up here).
- ``outcomes``: (method, path, HTTP status) of every write as the client was answered, so "exactly one
  successful create" is counted from answers, not from attempts.
- ``after_write``: a hook called after each write is applied (the test SIGKILLs the operator there).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, cast

import attrs
import kmock
from kmock._internal import enums, rendering

from tests.support.kmock_fixed import WRITE_METHODS, FixedEmulator

CUTS = ("eof", "abort", "torn", "gone", "refuse")


@attrs.define
class WatchCutter:
    """Seeded plan of watch cuts: each watch of a resource in ``plurals`` is cut with ``rate``."""

    rng: random.Random
    rate: float = 1.0
    max_events: int = 6
    max_seconds: float = 0.8
    plurals: frozenset[str] = frozenset({"tradingbots", "secrets"})
    modes: tuple[str, ...] = CUTS
    enabled: bool = False
    cuts: dict[str, int] = attrs.field(factory=dict)

    def plan(self, plural: str) -> tuple[str, int, float] | None:
        if not self.enabled or plural not in self.plurals or self.rng.random() >= self.rate:
            return None
        return (
            self.rng.choice(self.modes),
            self.rng.randint(0, self.max_events),
            self.rng.uniform(0.05, self.max_seconds),
        )

    def count(self, mode: str) -> None:
        self.cuts[mode] = self.cuts.get(mode, 0) + 1


GONE = {
    "type": "ERROR",
    "object": {
        "apiVersion": "v1",
        "kind": "Status",
        "metadata": {},
        "status": "Failure",
        "reason": "Expired",
        "code": 410,
        "message": "too old resource version (injected)",
    },
}


@attrs.define(kw_only=True)
class FaultyEmulator(FixedEmulator):
    cutter: WatchCutter | None = attrs.field(default=None, init=False)
    watch_log: list[tuple[str, str, float]] = attrs.field(factory=list, init=False)
    outcomes: list[tuple[str, str, int]] = attrs.field(factory=list, init=False)
    after_write: Callable[[str, str, int], None] | None = attrs.field(default=None, init=False)

    async def _handle(self, request: rendering.Request) -> Any:
        method = request.method.value.upper()
        if request.resource is not None and request.action == enums.action.LIST:
            self.watch_log.append((request.resource.plural or "", "list", time.monotonic()))
        if method not in WRITE_METHODS:
            return await super()._handle(request)
        try:
            response = await super()._handle(request)
        except kmock.KubernetesError as exc:
            self._written(method, _write_path(request), exc.status or 500)
            raise
        self._written(method, _write_path(request), int(getattr(response, "status", 200)))
        return response

    def _written(self, method: str, path: str, status: int) -> None:
        self.outcomes.append((method, path, status))
        if self.after_write is not None:
            self.after_write(method, path, status)

    async def _serve_watch(self, request: rendering.Request) -> AsyncIterator[rendering.Payload]:
        plural = request.resource.plural if request.resource is not None else ""
        plural = plural or ""
        plan = self.cutter.plan(plural) if self.cutter is not None else None
        self.watch_log.append((plural, "watch", time.monotonic()))
        inner = cast(AsyncGenerator[rendering.Payload, None], super()._serve_watch(request))
        if plan is None:
            async for item in inner:
                yield item
            return
        mode, max_events, max_seconds = plan
        assert self.cutter is not None
        if mode == "refuse":
            await inner.aclose()
            self.cutter.count(mode)
            self.watch_log.append((plural, f"cut:{mode}", time.monotonic()))
            raise kmock.KubernetesError(500, "InternalError", "watch refused (injected)")
        deadline = asyncio.get_running_loop().time() + max_seconds
        events = 0
        try:
            while events <= max_events:
                try:
                    async with asyncio.timeout_at(deadline):
                        item = await anext(inner)
                except TimeoutError:
                    break
                except StopAsyncIteration:
                    return
                yield item
                if item != b"":
                    events += 1
        finally:
            await inner.aclose()
        self.cutter.count(mode)
        self.watch_log.append((plural, f"cut:{mode}", time.monotonic()))
        raw = request._raw_request
        transport = raw.transport if raw is not None else None
        if mode == "gone":
            yield GONE
        elif mode == "abort" and transport is not None:
            transport.abort()
        elif mode == "torn" and transport is not None:
            yield b'{"type": "MODIFIED", "object": {"metadata": {"name": "tor'
            transport.close()
        # "eof" (and the others, once their damage is done): the stream simply ends.

    def successful(self, method: str, part: str) -> list[str]:
        """Paths of writes with ``method`` whose path contains ``part`` that were answered 2xx (a create's
        path ends with the created object's name)."""
        return [p for m, p, s in self.outcomes if m == method and part in p and s < 300]


def _write_path(request: rendering.Request) -> str:
    """The request's path; for a create, with the created object's name appended (the emulator has
    filled in a generateName by the time this is called)."""
    path = request.url.path
    if request.action == enums.action.CREATE and isinstance(request.data, dict):
        name = (request.data.get("metadata") or {}).get("name")
        if name:
            path = f"{path}/{name}"
    return path
