from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tradingbot.toolkit.console import Console
from tradingbot.toolkit.runtime import ComposeRuntime, LocalRuntime, detect_runtime, make_runtime
from tradingbot.toolkit.settings import load_toolkit_settings


def test_explicit_runtime_wins(tmp_path: Path) -> None:
    detection = detect_runtime(load_toolkit_settings(tmp_path, {"TRADINGBOT_RUNTIME": "compose"}))
    assert (detection.name, detection.reason) == ("compose", "TRADINGBOT_RUNTIME")
    assert isinstance(make_runtime(load_toolkit_settings(tmp_path, {}), detection), ComposeRuntime)


def test_no_compose_file_means_local(tmp_path: Path) -> None:
    detection = detect_runtime(load_toolkit_settings(tmp_path, {}))
    assert detection.name == "local"
    assert "no docker-compose.yml" in detection.reason


def test_no_engine_means_local(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    # A compose command that does not exist stands in for a machine without Docker.
    env = {"TRADINGBOT_COMPOSE_CMD": "no-such-docker-compose"}
    detection = detect_runtime(load_toolkit_settings(tmp_path, env))
    assert detection.name == "local"


def test_local_runtime_paths_follow_the_var_dir(tmp_path: Path) -> None:
    runtime = LocalRuntime(load_toolkit_settings(tmp_path, {"TRADINGBOT_VAR_DIR": str(tmp_path / "v")}))
    assert runtime.pid_file == tmp_path / "v" / "run" / "bot.pid"
    assert runtime.log_file == tmp_path / "v" / "logs" / "bot.stdout.log"
    assert not runtime.is_running()
    assert runtime.log_lines() == ["(v/logs/bot.stdout.log does not exist)"]
    assert "docker-compose ps" in runtime.status_title()
    assert "docker-compose logs --tail=200 bot" in runtime.logs_title()


def test_restart_refuses_a_bot_it_did_not_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class Live(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Live)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {"TRADINGBOT_VAR_DIR": str(tmp_path / "v"), "TRADINGBOT_HTTP_PORT": str(server.server_port)}
        runtime = LocalRuntime(load_toolkit_settings(tmp_path, env))
        assert runtime.restart(Console("t")) is False
    finally:
        server.shutdown()
        server.server_close()
    assert "was not started by the toolkit" in capsys.readouterr().out


def test_compose_runtime_runs_the_seed_commands(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "fake-compose.sh"
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> {calls}\n')
    env = {
        "TRADINGBOT_COMPOSE_CMD": f"bash {fake}",
        "TRADINGBOT_HTTP_PORT": "9",  # nothing listens: the health waits give up at once
        "TRADINGBOT_START_TIMEOUT_SECONDS": "1",
    }
    runtime = ComposeRuntime(load_toolkit_settings(tmp_path, env))
    console = Console("t", out=io.StringIO())
    runtime.start(console)
    runtime.restart(console)
    runtime.restart(console, recreate=True)
    runtime.status_lines()
    runtime.log_lines()
    runtime.stop(console)
    assert calls.read_text().splitlines() == [
        "up -d --build",
        "restart bot",
        "up -d --force-recreate bot",
        "ps",
        "logs --tail=200 bot",
        "down",
    ]
    assert runtime.secrets_dir() == tmp_path / "secrets"
