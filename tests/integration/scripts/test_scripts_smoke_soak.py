"""smoke_live_daemon.sh and soak_24h_gate.sh in the local runtime against the real bot."""

from __future__ import annotations

import re
from pathlib import Path

from scripts_harness import Env


def test_smoke_passes_with_repeats(bot: Env) -> None:
    done = bot.run("smoke_live_daemon.sh", env={"SMOKE_REPEAT_COUNT": "3"})
    assert done.code == 0, done.out
    assert "[smoke] runtime=local (TRADINGBOT_RUNTIME)" in done.out
    assert len(done.lines("[smoke] iteration ")) == 3
    assert "[smoke] PASS 3/3 iterations healthy" in done.out


def test_smoke_simulated_failure_prints_diagnostics(bot: Env) -> None:
    done = bot.run("smoke_live_daemon.sh", "--simulate-failure", env={"SMOKE_REPEAT_COUNT": "3"})
    assert done.code == 1, done.out
    assert "failed_iteration=1/3" in done.out.splitlines()
    assert "iteration 2/3" not in done.out  # stops at once
    for header in (
        "--- bot process status (local runtime; compose: docker-compose ps) ---",
        "(local runtime; compose: docker-compose logs --tail=200 bot) ---",
        "--- var/artifacts/run_progress.json",
        "--- var/artifacts/run_complete.json",
    ):
        assert header in done.out
    assert '"monitor_status": "active"' in done.out  # the artifact itself is shown


def test_smoke_without_a_bot_fails_with_unreachable_health(idle: Env) -> None:
    done = idle.run("smoke_live_daemon.sh", env={"SMOKE_REPEAT_COUNT": "2"})
    assert done.code == 1
    assert "failed_iteration=1/2" in done.out.splitlines()
    assert "healthz=unreachable" in done.out
    assert "process: not running" in done.out
    assert "(missing)" in done.out


def test_soak_success_is_one_summary_line(bot: Env) -> None:
    done = bot.run("soak_24h_gate.sh", env={"SOAK_TOTAL_ITERATIONS": "3", "SOAK_INTERVAL_SECONDS": "0"})
    assert done.code == 0, done.out
    assert "[soak] SOAK_TOTAL_ITERATIONS=3 SOAK_INTERVAL_SECONDS=0" in done.out
    summary = done.lines("[soak] PASS")
    assert len(summary) == 1
    assert re.fullmatch(r"\[soak\] PASS successes=3/3 elapsed_seconds=\d+", summary[0])


def test_soak_failure_reports_iteration_health_and_artifacts(idle: Env) -> None:
    done = idle.run("soak_24h_gate.sh", env={"SOAK_TOTAL_ITERATIONS": "4", "SOAK_INTERVAL_SECONDS": "0"})
    assert done.code == 1
    lines = done.out.splitlines()
    assert "failed_iteration=1/4" in lines
    assert any(line.startswith("final_health_status=unreachable") for line in lines)
    assert any(line.startswith("--- latest var/artifacts/run_progress.json") for line in lines)
    assert any(line.startswith("--- latest var/artifacts/run_complete.json") for line in lines)


def test_bad_setting_is_refused_with_its_name(idle: Env) -> None:
    done = idle.run("soak_24h_gate.sh", env={"SOAK_TOTAL_ITERATIONS": "many"})
    assert done.code == 2
    assert "SOAK_TOTAL_ITERATIONS=many: Input should be a valid integer" in done.out
    assert "accepted: an integer >= 1" in done.out


def test_compose_runtime_diagnostics_use_docker_compose(bot: Env, tmp_path: Path) -> None:
    # A stand-in for docker-compose that records how it was called (no Docker engine needed).
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "fake-compose.sh"
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> {calls}\necho "fake-compose: $*"\n')
    env = {
        "TRADINGBOT_RUNTIME": "compose",
        "TRADINGBOT_COMPOSE_CMD": f"bash {fake}",
        "SMOKE_REPEAT_COUNT": "2",
    }
    done = bot.run("smoke_live_daemon.sh", "--simulate-failure", env=env)
    assert done.code == 1
    assert "[smoke] runtime=compose (TRADINGBOT_RUNTIME)" in done.out
    assert "failed_iteration=1/2" in done.out.splitlines()
    assert "--- docker-compose ps ---" in done.out
    assert "--- docker-compose logs --tail=200 bot ---" in done.out
    assert "fake-compose: logs --tail=200 bot" in done.out
    # Compose is never started implicitly: only the two diagnostics commands ran.
    assert calls.read_text().splitlines() == ["ps", "logs --tail=200 bot"]
