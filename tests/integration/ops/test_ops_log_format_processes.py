"""Both programs as real processes: readable lines on a terminal (a pty), JSON into a pipe, and the
setting that forces either (TRADINGBOT_LOG_FORMAT, TRADINGBOT_OPERATOR_LOG_FORMAT)."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) +\S+: ")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bot(tmp: Path, **extra: str) -> tuple[list[str], dict[str, str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADINGBOT_", "GMO_", "DISCORD_"))}
    env.update({
        "TRADINGBOT_VAR_DIR": str(tmp / "var"),
        "TRADINGBOT_SECRETS_DIR": str(tmp / "no-secrets"),
        "TRADINGBOT_HTTP_PORT": str(_free_port()),
        **extra,
    })  # fmt: skip
    return [sys.executable, "-m", "tradingbot", "run"], env, "started: mode=paper"


class _NotAnApiServer(http.server.BaseHTTPRequestHandler):
    """Answers every request 404: enough for the operator's start-up check ("does a server answer?")
    and for kopf to log its start-up and its first failed API request."""

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def _answering_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotAnApiServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


_API_URL: list[str] = []  # set for the module's tests by _api_stand_in


@pytest.fixture(scope="module", autouse=True)
def _api_stand_in() -> Iterator[None]:
    with _answering_server() as url:
        _API_URL.append(url)
        yield
        _API_URL.clear()


def _operator(tmp: Path, **extra: str) -> tuple[list[str], dict[str, str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADINGBOT_OPERATOR_")}
    tmp.mkdir(parents=True, exist_ok=True)
    kubeconfig = tmp / "kubeconfig"
    # A server that answers but is no Kubernetes API: the operator passes its start-up check, then logs
    # its start-up and its first failed API request.
    kubeconfig.write_text(
        json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": _API_URL[0]}}],
            "users": [{"name": "u", "user": {"token": "not-a-secret"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        })
    )  # fmt: skip
    env.update({
        "KUBECONFIG": str(kubeconfig),
        "TRADINGBOT_OPERATOR_METRICS_PORT": "0",
        "TRADINGBOT_OPERATOR_LIVENESS_ENDPOINT": f"http://127.0.0.1:{_free_port()}/healthz",
        **extra,
    })  # fmt: skip
    return [sys.executable, "-m", "tradingbot_operator"], env, "Initial authentication has finished"


def _lines(argv: list[str], env: dict[str, str], until: str, *, tty: bool, timeout: float = 30) -> list[str]:
    """Run until a line containing `until` is printed; return the lines printed so far."""
    if tty:
        master, slave = pty.openpty()
        proc = subprocess.Popen(argv, env=env, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        fd = master
    else:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    try:
        while until.encode() not in buf:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {until!r} within {timeout}s; output:\n{buf.decode()[-2000:]}")
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the pty closes with EIO when the child exits
                    chunk = b""
                if not chunk and proc.poll() is not None:
                    raise AssertionError(
                        f"exited {proc.returncode} before {until!r}:\n{buf.decode()[-2000:]}"
                    )
                buf += chunk
    finally:
        # Only the lines printed so far are judged; a graceful stop (seconds for kopf) adds nothing here.
        proc.kill()
        proc.wait()
        if tty:
            os.close(master)
    text = buf.decode().replace("\r\n", "\n")
    end = text.find("\n", text.index(until))
    return [line for line in text[: len(text) if end < 0 else end].split("\n") if line]


def _assert_text(lines: list[str]) -> None:
    assert lines
    for line in lines:
        if line.startswith("    "):  # a traceback belongs to the line above
            continue
        assert TEXT_LINE.match(line), line
        assert not line.startswith("{")


def _assert_json(lines: list[str]) -> None:
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert {"ts", "level", "logger", "msg"} <= set(entry), line


PROGRAMS = {"bot": _bot, "operator": _operator}


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_terminal_gets_text_and_a_pipe_gets_json(program: str, tmp_path: Path) -> None:
    argv, env, until = PROGRAMS[program](tmp_path / "tty")
    _assert_text(_lines(argv, env, until, tty=True))
    argv, env, until = PROGRAMS[program](tmp_path / "pipe")
    _assert_json(_lines(argv, env, until, tty=False))


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_the_setting_forces_either_format(program: str, tmp_path: Path) -> None:
    name = "TRADINGBOT_LOG_FORMAT" if program == "bot" else "TRADINGBOT_OPERATOR_LOG_FORMAT"
    argv, env, until = PROGRAMS[program](tmp_path / "a", **{name: "json"})
    _assert_json(_lines(argv, env, until, tty=True))
    argv, env, until = PROGRAMS[program](tmp_path / "b", **{name: "text"})
    _assert_text(_lines(argv, env, until, tty=False))
