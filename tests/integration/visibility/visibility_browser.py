"""Headless Chromium driven over the DevTools protocol (websockets), for the status-page test.

Why CDP rather than ``--dump-dom``: the page renders after its first ``/status`` poll, and ``--dump-dom``
cannot wait for a condition; here the test polls the page's own ``data-ready`` flag with a deadline.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.support.eventually import eventually_sync

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._ws.recv(timeout=30))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"CDP {method} failed: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        # Until the navigation commits, document.body may be null: such errors mean "not yet".
        guarded = f"(() => {{ try {{ return ({expression}); }} catch (e) {{ return null; }} }})()"
        while time.monotonic() < deadline:
            last = self.evaluate(guarded)
            if last:
                return last
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value {last!r}")

    def screenshot(self, path: Path, width: int = 1400) -> Path:
        metrics = self.call("Page.getLayoutMetrics")
        height = int(metrics["cssContentSize"]["height"]) + 1
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """SIGTERM chromium's whole process group, SIGKILL what is left, and wait until none of it runs."""
    pgid = proc.pid  # start_new_session: the group is led by chromium itself
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    try:
        eventually_sync(lambda: not _group_alive(pgid), 5, "chromium's helper processes to exit")
    except AssertionError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        eventually_sync(lambda: not _group_alive(pgid), 10, "chromium's helper processes to die")


@contextmanager
def open_page(chromium: str, url: str, *, width: int = 1400, height: int = 1000) -> Iterator[Page]:
    with tempfile.TemporaryDirectory(prefix="vis-chromium-") as profile:
        proc = subprocess.Popen(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--disable-extensions", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            # Its own process group: chromium's helper processes (zygote, utility, crashpad) outlive the
            # main one for a moment and kept writing to the profile while it was removed ("Directory
            # not empty: 'Default'", once in three loaded runs). The whole group is stopped below.
            start_new_session=True,
        )  # fmt: skip
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not (port_file.is_file() and port_file.read_text().strip()):
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
                    raise AssertionError(f"chromium did not open its DevTools port: {err[-2000:]}")
                time.sleep(0.05)
            port = int(port_file.read_text().split()[0])
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
            target = next(t for t in targets if t.get("type") == "page")
            with connect(target["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024) as ws:
                page = Page(ws)
                page.call("Page.enable")
                page.call("Runtime.enable")
                page.call("Page.navigate", url=url)
                yield page
        finally:
            _stop_group(proc)


COLLECT_JS = """
(() => {
  const fields = {};
  for (const el of document.querySelectorAll('[data-field]')) {
    fields[el.dataset.field] = {value: el.dataset.value ?? null, text: el.textContent.trim(),
                                hidden: el.closest('.hidden') !== null};
  }
  const rows = (id) => Array.from(document.querySelectorAll('#' + id + ' tbody tr'))
    .filter((tr) => !tr.querySelector('td.empty'))
    .map((tr) => Array.from(tr.cells).map((c) => c.textContent.trim()));
  const limits = {};
  for (const tr of document.querySelectorAll('#limits tbody tr')) {
    limits[tr.dataset.limit] = {figure: tr.cells[1].dataset.value,
                                used: tr.querySelector('.pct').dataset.value};
  }
  return {fields, limits, orders: rows('orders'), fills: rows('fills'), decisions: rows('decisions'),
          chartPoints: Number(document.getElementById('chart').dataset.points || 0),
          chartCanvas: document.querySelector('#chart canvas') !== null,
          html: document.documentElement.outerHTML};
})()
"""
