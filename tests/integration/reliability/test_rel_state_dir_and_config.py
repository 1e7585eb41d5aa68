"""Suite 6 (two bots on one state directory) and the bad-configuration half of suite 3, as real processes."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from reliability_harness import BotProcess, bot_env, free_port, sim_process

PLANTED = "planted-S3CRET-value-9f4e2a"


def test_second_bot_on_same_state_dir_refuses(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    with sim_process(tmp_path / "sim") as sim:
        first = BotProcess(bot_env(var_dir, sim.base, free_port()), tmp_path / "logs", "first")
        try:
            first.wait_health(lambda h: bool(h.get("reconciliation", {}).get("ok")), 30, "first bot up")
            orders_before = len(sim.orders())
            second = BotProcess(bot_env(var_dir, sim.base, free_port()), tmp_path / "logs", "second")
            rc = second.proc.wait(30)
            second.close()
            err = second.stderr_path.read_text()
            assert rc == 3, err
            assert "refusing to start" in err
            assert f"pid {first.proc.pid}" in err
            assert str(var_dir) in err
            assert "TRADINGBOT_VAR_DIR" in err  # tells the operator what to do
            assert first.proc.poll() is None, "the first bot must keep running"
            assert first.health() is not None
            # The refused process never touched the exchange nor the first bot's files.
            assert len(sim.orders()) >= orders_before
        finally:
            assert first.terminate() == 0, first.stderr_tail()


class _Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _check_config(tmp_path: Path, env: dict[str, str]) -> _Result:
    """``python -m tradingbot check-config`` in-process: the CLI code path without the import cost."""
    import os

    from tradingbot.cli import main

    base = {"TRADINGBOT_VAR_DIR": str(tmp_path / "var"), "TRADINGBOT_SECRETS_DIR": str(tmp_path / "secrets")}
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(io.StringIO()) as out, \
            contextlib.redirect_stderr(io.StringIO()) as err:  # fmt: skip
        for name in list(os.environ):
            if name.startswith(("TRADINGBOT_", "GMO_", "DISCORD_", "AUDIT_LOG_")):
                mp.delenv(name)
        for name, value in (base | env).items():
            mp.setenv(name, value)
        try:
            rc = main(["check-config"])
        except SystemExit as exc:
            rc = int(exc.code or 0)
    return _Result(rc, out.getvalue(), err.getvalue())


BAD_CONFIG = [
    ({"TRADINGBOT_MODE": "banana"}, ["TRADINGBOT_MODE", "banana", "paper"]),
    ({"TRADINGBOT_HTTP_PORT": "99999"}, ["TRADINGBOT_HTTP_PORT", "99999"]),
    ({"TRADINGBOT_RISK__MAX_DRAWDOWN": "-1"}, ["TRADINGBOT_RISK__MAX_DRAWDOWN", "-1"]),
    ({"AUDIT_LOG_MAX_BYTES": "12"}, ["AUDIT_LOG_MAX_BYTES", "12", "1024"]),
    ({"TRADINGBOT_MODE": "live"}, ["live", "TRADINGBOT_LIVE_ENABLED"]),
]


@pytest.mark.parametrize(("env", "expected"), BAD_CONFIG, ids=[str(c[0]) for c in BAD_CONFIG])
def test_bad_configuration_is_a_clear_error(tmp_path: Path, env: dict[str, str], expected: list[str]) -> None:
    result = _check_config(tmp_path, env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, (text, result.stderr)


@pytest.mark.parametrize("kind", ["empty", "directory", "padded", "unreadable"])
def test_bad_secret_file_is_a_clear_error(tmp_path: Path, kind: str) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    target = secrets / "gmo_api_secret"
    if kind == "empty":
        target.write_text("")
    elif kind == "directory":
        target.mkdir()
    elif kind == "padded":
        target.write_text(f"  {PLANTED}  \n")
    else:
        target.write_text(PLANTED)
        target.chmod(0)
    result = _check_config(tmp_path, {})
    if kind == "unreadable" and result.returncode == 0:
        pytest.skip("running as root: file permissions do not apply")
    assert result.returncode == 2, result.stderr
    assert str(target) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert PLANTED not in result.stdout + result.stderr
