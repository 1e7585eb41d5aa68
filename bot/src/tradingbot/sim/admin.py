"""The simulator's own admin endpoints (state, faults, prices, steps) for tests and drills."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from aiohttp import web

from tradingbot.sim.envelope import JSON, RouteBase


class AdminRoutes(RouteBase):
    async def _admin_body(self, request: web.Request) -> dict[str, Any]:
        try:
            parsed = orjson.loads(await request.read() or b"{}")
        except orjson.JSONDecodeError:
            raise web.HTTPBadRequest(text='{"error": "body is not JSON"}', content_type=JSON) from None
        if not isinstance(parsed, dict):
            raise web.HTTPBadRequest(text='{"error": "body must be a JSON object"}', content_type=JSON)
        return parsed

    @staticmethod
    def _admin_error(message: str) -> web.Response:
        return web.Response(body=orjson.dumps({"error": message}), status=400, content_type=JSON)

    async def admin_state(self, request: web.Request) -> web.Response:
        return self._json(orjson.dumps(self.sim.state()))

    async def admin_orders(self, request: web.Request) -> web.Response:
        return self._json(orjson.dumps({"orders": self.sim.received_orders}))

    async def admin_faults(self, request: web.Request) -> web.Response:
        try:
            self.sim.faults.update(await self._admin_body(request))
        except ValueError as exc:
            return self._admin_error(str(exc))
        return self._json(orjson.dumps(self.sim.faults.as_dict()))

    async def admin_faults_reset(self, request: web.Request) -> web.Response:
        self.sim.faults.reset()
        return self._json(orjson.dumps(self.sim.faults.as_dict()))

    async def admin_drop_ws(self, request: web.Request) -> web.Response:
        self.sim.faults.drop_ws()
        return self._json(b'{"ok": true}')

    async def admin_expire_tokens(self, request: web.Request) -> web.Response:
        self.sim.faults.expire_ws_tokens()
        return self._json(b'{"ok": true}')

    async def admin_price(self, request: web.Request) -> web.Response:
        body = await self._admin_body(request)
        try:
            price = Decimal(str(body.get("price")))
            await self.sim.set_price(str(body.get("symbol")), price)
        except (ValueError, InvalidOperation) as exc:
            return self._admin_error(f"bad price request {body!r}: {exc}")
        return self._json(orjson.dumps(self.sim.state()["prices"]))

    async def admin_step(self, request: web.Request) -> web.Response:
        body = await self._admin_body(request)
        n = body.get("n", 1)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1_000_000:
            return self._admin_error(f"n={n!r}; accepted: an integer from 1 to 1000000")
        await self.sim.step(n)
        return self._json(orjson.dumps({"step": self.sim.prices.step_count}))
