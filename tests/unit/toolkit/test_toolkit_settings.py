from __future__ import annotations

from pathlib import Path

import pytest
from tradingbot.toolkit.settings import ToolkitConfigError, load_toolkit_settings

ROOT = Path("/repo")


def test_defaults_follow_the_seed() -> None:
    s = load_toolkit_settings(ROOT, {})
    assert s.soak_total_iterations == 288
    assert s.soak_interval == 300.0
    assert s.smoke_repeat_count is None
    assert s.runtime is None
    assert s.healthz_url == "http://127.0.0.1:9754/healthz"
    assert s.var_dir == ROOT / "var"
    assert s.artifacts_dir == ROOT / "var" / "artifacts"
    assert not s.live_drill_real_connect


def test_seed_names_are_read() -> None:
    s = load_toolkit_settings(
        ROOT,
        {
            "SOAK_TOTAL_ITERATIONS": "6",
            "SOAK_INTERVAL_SECONDS": "5",
            "SMOKE_REPEAT_COUNT": "3",
            "GO_LIVE_SOAK_TOTAL_ITERATIONS": "2",
            "GO_LIVE_SOAK_INTERVAL_SECONDS": "1",
            "LIVE_DRILL_REAL_CONNECT": "1",
            "TRADINGBOT_RUNTIME": "local",
            "TRADINGBOT_HTTP_PORT": "18000",
            "TRADINGBOT_VAR_DIR": "/tmp/x",
        },
    )
    assert (s.soak_total_iterations, s.soak_interval, s.smoke_repeat_count) == (6, 5.0, 3)
    assert (s.go_live_soak_total_iterations, s.go_live_soak_interval) == (2, 1.0)
    assert s.live_drill_real_connect
    assert s.runtime == "local"
    assert s.metrics_url == "http://127.0.0.1:18000/metrics"
    assert s.var_dir == Path("/tmp/x")


def test_only_exactly_one_enables_the_real_drill() -> None:
    assert not load_toolkit_settings(ROOT, {"LIVE_DRILL_REAL_CONNECT": "true"}).live_drill_real_connect


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"SMOKE_REPEAT_COUNT": "zero"}, "SMOKE_REPEAT_COUNT=zero: Input should be a valid integer"),
        (
            {"SOAK_TOTAL_ITERATIONS": "0"},
            "SOAK_TOTAL_ITERATIONS=0: Input should be greater than or equal to 1",
        ),
        ({"SOAK_INTERVAL_SECONDS": "nan"}, "SOAK_INTERVAL_SECONDS=nan"),
        ({"TRADINGBOT_RUNTIME": "k8s"}, "TRADINGBOT_RUNTIME=k8s"),
        ({"TRADINGBOT_RUNTIME": "k8s"}, "accepted: compose|local"),
        ({"TRADINGBOT_HTTP_PORT": "70000"}, "accepted: 1..65535"),
        ({"TRADINGBOT_MODE": "real"}, "accepted: paper|live"),
        ({"TRADINGBOT_OPS_URL": "ftp://x"}, "TRADINGBOT_OPS_URL=ftp://x: is not a URL; accepted: a URL"),
        ({"TRADINGBOT_AUTOSTART": "maybe"}, "accepted: 1|0|true|false"),
        ({"RELEASE_CHECK_QUICK_ARGS": "-k 'a"}, "RELEASE_CHECK_QUICK_ARGS=-k 'a: cannot be split"),
        ({"RELEASE_CHECK_COV_FAIL_UNDER": "101"}, "accepted: an integer 0..100"),
    ],
)
def test_bad_values_are_named(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ToolkitConfigError, match="accepted") as info:
        load_toolkit_settings(ROOT, env)
    assert fragment in str(info.value)


def test_overrides_split_like_a_shell() -> None:
    s = load_toolkit_settings(ROOT, {"RELEASE_CHECK_QUICK_ARGS": "-q -k 'a or b'"})
    assert s.release_quick_args == ("-q", "-k", "a or b")


def test_empty_values_mean_the_default() -> None:
    s = load_toolkit_settings(
        ROOT, {"SOAK_TOTAL_ITERATIONS": " ", "TRADINGBOT_MODE": "", "TRADINGBOT_RUNTIME": ""}
    )
    assert (s.soak_total_iterations, s.mode, s.runtime) == (288, "paper", None)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ToolkitConfigError) as info:
        load_toolkit_settings(ROOT, {"SOAK_TOTAL_ITERATIONS": "x", "SMOKE_INTERVAL_SECONDS": "-1"})
    assert "SOAK_TOTAL_ITERATIONS=x" in str(info.value)
    assert "SMOKE_INTERVAL_SECONDS=-1" in str(info.value)


def test_paths_come_from_the_one_layout() -> None:
    s = load_toolkit_settings(ROOT, {"TRADINGBOT_VAR_DIR": "v"})
    assert s.layout.run_progress == ROOT / "v" / "artifacts" / "run_progress.json"
    assert s.layout.bot_pid == ROOT / "v" / "run" / "bot.pid"
