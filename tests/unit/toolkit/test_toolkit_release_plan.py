from __future__ import annotations

from pathlib import Path

from tradingbot.toolkit.release import FAILOVER_K, STAGES, plan
from tradingbot.toolkit.settings import load_toolkit_settings


def test_stage_order_is_the_seed_order() -> None:
    stages = plan(load_toolkit_settings(Path("/r"), {}), python="py")
    assert tuple(s.name for s in stages) == STAGES
    assert STAGES == (
        "pre-commit",
        "pytest (quick)",
        "pytest (live failover)",
        "pytest (coverage)",
        "smoke_live_daemon",
    )
    assert stages[0].argv == ("py", "-m", "pre_commit", "run", "--all-files")
    assert stages[2].argv[-2:] == ("-k", FAILOVER_K)
    assert "--cov-fail-under=75" in stages[3].argv
    assert stages[4].argv == ("bash", "scripts/smoke_live_daemon.sh")


def test_overrides_replace_the_stage_commands() -> None:
    env = {
        "RELEASE_CHECK_PRECOMMIT_CMD": "true",
        "RELEASE_CHECK_QUICK_ARGS": "tests/a.py",
        "RELEASE_CHECK_FAILOVER_ARGS": "tests/b.py",
        "RELEASE_CHECK_COVERAGE_ARGS": "tests/c.py",
    }
    stages = plan(load_toolkit_settings(Path("/r"), env), python="py")
    assert [s.argv for s in stages[:4]] == [
        ("true",),
        ("py", "-m", "pytest", "tests/a.py"),
        ("py", "-m", "pytest", "tests/b.py"),
        ("py", "-m", "pytest", "tests/c.py"),
    ]
