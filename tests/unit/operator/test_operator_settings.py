"""Operator settings and start-up errors: names of variables, no tracebacks, bounded waits.

The process tests run the real `python -m tradingbot_operator` in a clean environment (no kubeconfig
unless the test writes one, HOME pointed at an empty directory)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp import web
from tradingbot_operator.preflight import ClusterUnavailableError, wait_reachable
from tradingbot_operator.settings import OperatorSettings, SettingsError


def test_defaults_and_values_are_read_from_the_environment() -> None:
    settings = OperatorSettings.from_env(
        {"TRADINGBOT_OPERATOR_RESYNC_SECONDS": "5", "TRADINGBOT_OPERATOR_LOG_LEVEL": "debug", "PATH": "/x"}
    )
    assert settings.resync_seconds == 5.0
    assert settings.log_level == "DEBUG"
    assert settings.probe_timeout_seconds == 2.0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"TRADINGBOT_OPERATOR_PROBE_TIMEOUT_SECONDS": "abc"},
            "TRADINGBOT_OPERATOR_PROBE_TIMEOUT_SECONDS='abc'",
        ),
        ({"TRADINGBOT_OPERATOR_PROBE_TIMEOUT_SECONDS": "9"}, "accepted: a number > 0 and <= 5"),
        ({"TRADINGBOT_OPERATOR_METRICS_PORT": "70000"}, "TRADINGBOT_OPERATOR_METRICS_PORT='70000'"),
        ({"TRADINGBOT_OPERATOR_LOG_LEVEL": "loud"}, "accepted: DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"TRADINGBOT_OPERATOR_RESYNC_SECOND": "5"}, "did you mean TRADINGBOT_OPERATOR_RESYNC_SECONDS?"),
        ({"TRADINGBOT_OPERATOR_FOO": "1"}, "TRADINGBOT_OPERATOR_FOO is not a setting of the operator"),
    ],
)
def test_errors_name_the_variable(env: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        OperatorSettings.from_env(env)
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    assert "probe_timeout_seconds" not in str(caught.value)  # the Python field name never leaks


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        OperatorSettings.from_env({"TRADINGBOT_OPERATOR_FOO": "1", "TRADINGBOT_OPERATOR_METRICS_PORT": "-1"})
    assert len(caught.value.problems) == 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_wait_reachable_returns_once_anything_answers() -> None:
    app = web.Application()  # every path is a 404: an answer all the same
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await wait_reachable(f"http://127.0.0.1:{port}", 5.0)
    finally:
        await runner.cleanup()


async def test_wait_reachable_gives_up_after_the_wait() -> None:
    started = time.monotonic()
    with pytest.raises(ClusterUnavailableError, match=r"did not answer within 0\.5 s"):
        await wait_reachable(f"http://127.0.0.1:{free_port()}", 0.5)
    assert time.monotonic() - started < 5


def run_operator(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "tradingbot_operator", *args],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_every_setting(tmp_path: Path) -> None:
    proc = run_operator(tmp_path, {}, "--help")
    assert proc.returncode == 0, proc.stderr
    for name, field in OperatorSettings.model_fields.items():
        assert f"TRADINGBOT_OPERATOR_{name.upper()}" in proc.stdout
        assert repr(field.default) in proc.stdout


def test_bad_settings_exit_2_without_a_traceback(tmp_path: Path) -> None:
    proc = run_operator(
        tmp_path,
        {"TRADINGBOT_OPERATOR_PROBE_TIMEOUT_SECONDS": "abc", "TRADINGBOT_OPERATOR_RESYNC_SECOND": "5"},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "TRADINGBOT_OPERATOR_PROBE_TIMEOUT_SECONDS='abc'" in proc.stderr
    assert "did you mean TRADINGBOT_OPERATOR_RESYNC_SECONDS?" in proc.stderr


def test_unexpected_arguments_exit_2(tmp_path: Path) -> None:
    proc = run_operator(tmp_path, {}, "--standalone")
    assert proc.returncode == 2
    assert "see --help" in proc.stderr


def test_no_kubeconfig_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_operator(tmp_path, {})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "no Kubernetes configuration" in proc.stderr
    assert "KUBECONFIG" in proc.stderr


def test_unreachable_api_server_fails_after_the_bounded_wait(tmp_path: Path) -> None:
    server = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: k, cluster: {{server: '{server}'}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    started = time.monotonic()
    proc = run_operator(
        tmp_path, {"KUBECONFIG": str(kubeconfig), "TRADINGBOT_OPERATOR_CLUSTER_WAIT_SECONDS": "1"}
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"the Kubernetes API server at {server} did not answer within 1 s" in proc.stderr
    assert time.monotonic() - started < 30  # the wait is bounded (an interpreter start is most of it)
