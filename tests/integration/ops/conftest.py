from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from ops_fakes import FakeWebhook


@pytest.fixture
async def fake_webhook() -> AsyncIterator[FakeWebhook]:
    hook = FakeWebhook()
    app = web.Application()
    app.router.add_post("/api/webhooks/{id}/{token}", hook.handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hook.url = f"http://127.0.0.1:{port}/api/webhooks/987/planted-webhook-token-77aa"
    yield hook
    if hook.gate is not None:
        hook.gate.set()
    await runner.cleanup()
