"""Fixtures for the seed scripts in the local runtime: one real bot (scripts/run_live.py) per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scripts_harness import Env, make_env


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    env = make_env(tmp_path_factory.mktemp("bot"))
    up = env.run("bot.sh", "up")
    assert up.code == 0, up.out
    try:
        yield env
    finally:
        down = env.run("bot.sh", "down")
        assert down.code == 0, down.out


@pytest.fixture
def idle(tmp_path: Path) -> Env:
    """No bot at all (and none started implicitly): the failure paths."""
    return make_env(tmp_path, TRADINGBOT_AUTOSTART="0")


@pytest.fixture
def real_pytest_release(tmp_path: Path) -> dict[str, str]:
    """release_check with real pytest stages, each narrowed to one tiny passing test."""
    ok = tmp_path / "rc" / "test_release_ok.py"
    ok.parent.mkdir()
    ok.write_text("def test_ok() -> None:\n    assert True\n")
    args = f"-q -p no:cacheprovider {ok}"
    return {
        "RELEASE_CHECK_PRECOMMIT_CMD": "true",
        "RELEASE_CHECK_QUICK_ARGS": args,
        "RELEASE_CHECK_FAILOVER_ARGS": args,
        "RELEASE_CHECK_COVERAGE_ARGS": args,
        # Real pytest runs, without the project's plugins (they only make these tiny runs slow to start).
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


@pytest.fixture
def fast_release() -> dict[str, str]:
    """release_check as a pass-through (its own tests above run it for real), so the gates take seconds."""
    return {"RELEASE_CHECK_PRECOMMIT_CMD": "true", "RELEASE_CHECK_PYTEST": "true"}
