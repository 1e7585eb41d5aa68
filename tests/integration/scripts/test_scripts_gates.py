"""release_check, go_nogo_gate, go_live_prep, monthly_report and rotate_secrets_check in the local runtime."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scripts_harness import Env


def test_release_check_runs_the_stages_in_order(bot: Env, fast_release: dict[str, str]) -> None:
    done = bot.run("release_check.sh", env=fast_release)
    assert done.code == 0, done.out
    started = [line.split(" start:")[0] for line in done.lines("[release-check] stage=") if " start:" in line]
    assert started == [
        "[release-check] stage=pre-commit",
        "[release-check] stage=pytest (quick)",
        "[release-check] stage=pytest (live failover)",
        "[release-check] stage=pytest (coverage)",
        "[release-check] stage=smoke_live_daemon",
    ]
    assert "[smoke] PASS 1/1 iterations healthy" in done.out
    assert done.lines("[release-check] PASS")


def test_release_check_names_the_failed_stage(
    bot: Env, real_pytest_release: dict[str, str], tmp_path: Path
) -> None:
    failing = tmp_path / "test_release_failover_fails.py"
    failing.write_text("def test_reconnect_failover() -> None:\n    assert 1 == 2\n")
    env = {**real_pytest_release, "RELEASE_CHECK_FAILOVER_ARGS": f"-q -p no:cacheprovider {failing}"}
    done = bot.run("release_check.sh", env=env)
    assert done.code == 1
    assert "failed_stage=pytest (live failover)" in done.out.splitlines()
    assert "[release-check] FAILED stage=pytest (live failover) exit_code=1" in done.out
    assert "stage=pytest (coverage) start" not in done.out


def test_go_nogo_no_go_names_the_stage_once(bot: Env, fast_release: dict[str, str]) -> None:
    done = bot.run("go_nogo_gate.sh", env={**fast_release, "RELEASE_CHECK_PRECOMMIT_CMD": "false"})
    assert done.code == 1
    decisions = done.lines("[go-nogo] DECISION:")
    assert decisions == [
        "[go-nogo] DECISION: NO-GO stage=release_check reason=failed_stage=pre-commit exit_code=1"
    ]
    log = (bot.var_dir / "artifacts" / "go_nogo_gate.log").read_text()
    assert log.rstrip().endswith(decisions[0])


def test_go_nogo_replay_mismatch_is_no_go(bot: Env, fast_release: dict[str, str], tmp_path: Path) -> None:
    wrong = tmp_path / "expected.json"
    wrong.write_text(json.dumps({"frames": -1}))
    replay = f"{Path('.venv/bin/python').resolve()} -m tradingbot replay --expect {wrong}"
    done = bot.run("go_nogo_gate.sh", env={**fast_release, "GO_NOGO_REPLAY_CMD": replay})
    assert done.code == 1
    assert done.lines("[go-nogo] DECISION:")[0].startswith("[go-nogo] DECISION: NO-GO stage=replay_check")


def test_monthly_report_names_missing_inputs(idle: Env) -> None:
    done = idle.run("monthly_report.sh")
    assert done.code == 1
    for name in ("run_complete.json", "run_progress.json", "go_nogo_gate.log"):
        assert f"[monthly-report] missing input: var/artifacts/{name}" in done.out
    assert len(done.lines("[monthly-report] next action:")) == 3


def test_go_live_prep_go(bot: Env, fast_release: dict[str, str]) -> None:
    done = bot.run(
        "go_live_prep.sh",
        env={
            **fast_release,
            "SMOKE_REPEAT_COUNT": "2",
            "GO_LIVE_SOAK_TOTAL_ITERATIONS": "2",
            "GO_LIVE_SOAK_INTERVAL_SECONDS": "0",
        },
        timeout=150,
    )
    assert done.code == 0, done.out[-4000:]
    order = [m.group(1) for m in re.finditer(r"^\[go-live-prep\] stage=(\S+) start", done.out, re.M)]
    assert order == ["go_nogo_gate", "soak_24h_gate", "monthly_report", "live_connectivity_drill"]
    assert done.lines("[go-live-prep] DECISION:") == ["[go-live-prep] DECISION: GO"]
    # The gate inside: one GO line, the seed's Go conditions shown, the restart done.
    assert done.lines("[go-nogo] DECISION:") == ["[go-nogo] DECISION: GO"]
    assert "condition secrets: ok - paper mode: secrets files are not needed" in done.out
    assert "condition run_complete: ok" in done.out
    assert "[soak] PASS successes=2/2" in done.out
    artifacts = bot.var_dir / "artifacts"
    summary = json.loads((artifacts / "go_live_prep_summary.json").read_text())
    assert summary["decision"] == "GO"
    assert [s["status"] for s in summary["stages"]] == ["ok"] * 4
    assert "[go-live-prep] DECISION: GO" in (artifacts / "go_live_prep.log").read_text()
    reports = sorted((artifacts / "monthly").glob("monthly_report_*"))
    assert [p.suffix for p in reports] == [".json", ".md"]
    report = json.loads(reports[0].read_text())
    assert report["gates"]["go"] >= 1
    assert report["stops"]["count"] >= 1  # the gate's restart ended one run
    drill = json.loads((artifacts / "live_connectivity_drill.json").read_text())
    assert (drill["result"], drill["mode"], drill["orders_sent"]) == ("pass", "simulator", 0)


def test_go_live_prep_no_go_stops_at_the_first_stage(bot: Env, fast_release: dict[str, str]) -> None:
    done = bot.run("go_live_prep.sh", env={**fast_release, "RELEASE_CHECK_PRECOMMIT_CMD": "false"})
    assert done.code == 1
    assert done.lines("[go-live-prep] DECISION:") == [
        "[go-live-prep] DECISION: NO-GO stage=go_nogo_gate reason=exit_code=1"
    ]
    summary = json.loads((bot.var_dir / "artifacts" / "go_live_prep_summary.json").read_text())
    assert summary["failed_stage"] == "go_nogo_gate"
    assert [s["status"] for s in summary["stages"]] == ["failed", "not_run", "not_run", "not_run"]


def test_rotate_secrets_never_prints_a_value(bot: Env) -> None:
    done = bot.run("rotate_secrets_check.sh", timeout=120)
    assert done.code == 0, done.out[-3000:]
    for phase in ("old", "new"):
        assert f"[rotate-secrets] phase={phase} ok" in done.out
        assert (
            f"[rotate-secrets] phase={phase} secrets sources: gmo_api_key=file gmo_api_secret=file "
            "discord_webhook_url=file" in done.out
        )
    assert "RESULT: PASS" in done.out
    assert not re.search(r"placeholder-(old|new)-", done.out)
    assert not re.search(r"placeholder-(old|new)-", (bot.var_dir / "logs" / "bot.stdout.log").read_text())
    # The bot is back on its original secrets (none in this test environment).
    health = bot.run("smoke_live_daemon.sh")
    assert health.code == 0
