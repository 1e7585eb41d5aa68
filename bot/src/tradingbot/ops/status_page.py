"""The status page's files: one HTML page, its script and style, and the vendored uPlot chart library.

All are package data served by the bot itself (no CDN, works offline). The page is read-only: it polls
``/status`` and draws; it has no forms or buttons. The Content-Security-Policy allows only the bot's own
origin, so the page cannot load or send anything elsewhere even if a value in it were hostile (values are
inserted as text, never as HTML).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

UPLOT_VERSION = "1.6.32"
UPLOT_SHA256 = {
    "uPlot.iife.min.js": "19c8d4c6ad88929a79f4ae49d6f7161566dfd0ba3d15cc495e974f787eb78f1f",
    "uPlot.min.css": "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
}

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}

ASSETS = {
    "status.js": "status.js",
    "status.css": "status.css",
    "uPlot.iife.min.js": "vendor/uplot/uPlot.iife.min.js",
    "uPlot.min.css": "vendor/uplot/uPlot.min.css",
}
"""URL name under ``/static/`` -> file under the package's ``ops/static`` (nothing else is served)."""


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str


@cache
def asset(name: str) -> Asset:
    """The file behind ``/static/<name>`` (or ``index.html``); KeyError for anything not listed."""
    relative = "index.html" if name == "index.html" else ASSETS[name]
    body = resources.files("tradingbot.ops").joinpath("static", *relative.split("/")).read_bytes()
    suffix = relative[relative.rfind(".") :]
    return Asset(body, _TYPES[suffix])
