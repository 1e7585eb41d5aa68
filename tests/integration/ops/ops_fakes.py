"""Fakes for the ops integration tests (a unique module name: tests have no packages)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeWebhook:
    """Discord-like webhook on 127.0.0.1: records posts, answers from a script of (status, headers, body)."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], dict[str, Any] | None]] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def handler(self, request: web.Request) -> web.Response:
        if self.gate is not None:
            await self.gate.wait()
        self.received.append(await request.json())
        self.received_at.append(time.monotonic())
        status, headers, body = self.script.pop(0) if self.script else (204, {}, None)
        if body is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(body, status=status, headers=headers)
