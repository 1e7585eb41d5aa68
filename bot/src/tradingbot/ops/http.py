"""The ops HTTP server (aiohttp, default 127.0.0.1:9754).

``/livez``, ``/healthz``, ``/metrics``; and, when a status provider is given, ``/status`` (the JSON
snapshot of :mod:`tradingbot.ops.snapshot`) and the read-only status page at ``/`` with its files under
``/static/`` (:mod:`tradingbot.ops.status_page`); and, when controls are given, ``POST /control/pause``,
``/control/resume`` and ``/control/flatten``, each only with this run's token (:mod:`tradingbot.ops.control`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from tradingbot.ops.control import HEADER
from tradingbot.ops.health import HealthReport, render_health
from tradingbot.ops.metrics import CONTENT_TYPE, BotMetrics
from tradingbot.ops.snapshot import StatusSnapshot
from tradingbot.ops.status_page import CONTENT_SECURITY_POLICY, asset

log = logging.getLogger(__name__)


class OpsServer:
    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], HealthReport],
        metrics: BotMetrics,
        *,
        max_loop_age: timedelta | None = None,
        status: Callable[[], StatusSnapshot] | None = None,
        control: Callable[[str], Awaitable[dict[str, Any]]] | None = None,
        control_check: Callable[[str | None], int] | None = None,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"ops HTTP port {port} is out of range; accepted: 0 (any free port) .. 65535")
        self.host = host
        self.requested_port = port
        self._health = health
        self._metrics = metrics
        self._max_loop_age = max_loop_age
        self._status = status
        self._control = control
        self._control_check = control_check
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was requested); only after :meth:`start`."""
        if self._port is None:
            raise RuntimeError("OpsServer.port is known only after start()")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/livez", self._livez)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_handler)
        app.router.add_get("/status", self._status_handler)
        app.router.add_post("/control/{name}", self._control_handler)
        app.router.add_get("/", self._page)
        app.router.add_get("/static/{name}", self._static)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("OpsServer already started")
        runner = web.AppRunner(self._app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.requested_port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise OSError(
                exc.errno,
                f"ops HTTP server cannot listen on {self.host}:{self.requested_port}: {exc.strerror}",
            ) from exc
        self._runner = runner
        addresses = runner.addresses
        self._port = int(addresses[0][1]) if addresses else self.requested_port
        log.info("ops http listening", extra={"host": self.host, "port": self._port})

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> OpsServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _livez(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            report = self._health()
        except Exception as exc:  # the health callback must never take the server down
            log.exception("health callback failed")
            return web.json_response(
                {"status": "unhealthy", "error": f"health report unavailable ({type(exc).__name__})"},
                status=503,
            )
        status, body = render_health(report, max_loop_age=self._max_loop_age)
        return web.json_response(body, status=status)

    async def _metrics_handler(self, request: web.Request) -> web.Response:
        body = self._metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    def set_status_provider(self, status: Callable[[], StatusSnapshot]) -> None:
        """Install (or replace) the callable behind /status; the page needs it."""
        self._status = status

    async def _status_handler(self, request: web.Request) -> web.Response:
        if self._status is None:
            return web.json_response({"error": "no status provider in this process"}, status=404)
        try:
            snapshot = self._status()
        except Exception as exc:  # like /healthz: a broken snapshot must not take the server down
            log.exception("status provider failed")
            return web.json_response(
                {"error": f"status unavailable ({type(exc).__name__})"}, status=503, headers=_NO_STORE
            )
        return web.json_response(snapshot.to_json(), headers=_NO_STORE)

    async def _control_handler(self, request: web.Request) -> web.Response:
        if self._control is None or self._control_check is None:
            return web.json_response({"error": "this process has no controls"}, status=404)
        verdict = self._control_check(request.headers.get(HEADER))
        if verdict != 200:
            # Nothing changes. The presented value is never logged: it may be a near-miss of the token.
            log.warning("control request refused (HTTP %d): %s", verdict, "no token" if verdict == 401 else
                        "wrong token")  # fmt: skip
            why = (f"send this run's token from <var_dir>/control.token in the {HEADER} header"
                   if verdict == 401 else "the token does not match this run's token")  # fmt: skip
            return web.json_response({"error": why}, status=verdict, headers=_NO_STORE)
        try:
            result = await self._control(request.match_info["name"])
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=404, headers=_NO_STORE)
        except Exception as exc:
            log.exception("control %s failed", request.match_info["name"])
            return web.json_response(
                {"error": f"control failed ({type(exc).__name__}: {exc})"}, status=500, headers=_NO_STORE
            )
        return web.json_response(result, headers=_NO_STORE)

    async def _page(self, request: web.Request) -> web.Response:
        return self._file("index.html")

    async def _static(self, request: web.Request) -> web.Response:
        try:
            return self._file(request.match_info["name"])
        except KeyError:
            raise web.HTTPNotFound(text="no such file") from None

    @staticmethod
    def _file(name: str) -> web.Response:
        found = asset(name)
        return web.Response(
            body=found.body,
            headers={
                "Content-Type": found.content_type,
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-cache",
            },
        )


_NO_STORE = {"Cache-Control": "no-store"}
