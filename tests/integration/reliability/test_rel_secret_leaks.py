"""Suite 4: planted secrets never leave the process.

Distinctive API key, secret and webhook values are planted as secret files. Then: a paper session of the
real daemon (trading, a WS drop, 5xx answers, malformed frames, an unreachable webhook: the failure paths),
its /metrics and /healthz, `check-config`, the smoke script, and (long variant) the drill and the smoke
failure path. Everything any of it wrote (stdout/stderr, var/ logs, artifacts, reports) and every HTTP
answer is scanned for the values and their base64 / URL-encoded forms: 0 hits. Assertion messages name
the file and the form, never the value, so the test output cannot leak either.
"""

from __future__ import annotations

import base64
import subprocess
import urllib.parse
from pathlib import Path

import httpx
import pytest
from reliability_harness import PY, BotProcess, bot_env, child_env, free_port, sim_process

from tests.support.eventually import eventually_sync

REPO = Path(__file__).resolve().parents[3]
KEY = "PlantedKEY-7d1c0a4e9b2f-zz"
SECRET = "PlantedSECRET+/9f3e77aa01==qq"
WEBHOOK_TOKEN = "PlantedWEBHOOKtoken-5c2b9e1d_x"


def _forms(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "plain": value,
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "base64-nopad": base64.b64encode(raw).decode().rstrip("="),
        "url": urllib.parse.quote(value, safe=""),
        "url-plus": urllib.parse.quote_plus(value),
    }


def _scan(planted: dict[str, str], texts: dict[str, str], root: Path) -> list[str]:
    hits: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "secrets" in path.parts:
            continue  # the planted files themselves
        texts[str(path.relative_to(root))] = path.read_bytes().decode("utf-8", "replace")
    for where, text in texts.items():
        for name, value in planted.items():
            for form, needle in _forms(value).items():
                if len(needle) >= 8 and needle in text:
                    hits.append(f"{name} ({form}) in {where}")
    return hits


def _script(name: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["bash", f"scripts/{name}", *args], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    return f"exit={done.returncode}\n{done.stdout}\n{done.stderr}"


def run_leak_session(tmp_path: Path, long: bool) -> int:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    dead_port = free_port()  # nothing listens here: every notification fails (a failure path)
    webhook = f"http://127.0.0.1:{dead_port}/api/webhooks/987654321/{WEBHOOK_TOKEN}"
    (secrets / "gmo_api_key").write_text(KEY + "\n")
    (secrets / "gmo_api_secret").write_text(SECRET + "\n")
    (secrets / "discord_webhook_url").write_text(webhook + "\n")
    planted = {"api key": KEY, "api secret": SECRET, "webhook url": webhook, "webhook token": WEBHOOK_TOKEN}
    texts: dict[str, str] = {}
    var_dir = tmp_path / "var"
    port = free_port()
    with sim_process(tmp_path / "sim", tick_interval=0.05) as sim:
        env = bot_env(
            var_dir, sim.base, port, TRADINGBOT_SECRETS_DIR=str(secrets), TRADINGBOT_LOG_LEVEL="DEBUG"
        )
        bot = BotProcess(env, tmp_path / "proc", "bot")
        try:
            bot.wait_health(lambda h: bool(h.get("reconciliation", {}).get("ok")), 30, "bot up")
            eventually_sync(lambda: len(sim.orders()) >= 1, 30, "an order", interval=0.05)
            sim.faults(http_5xx_next=5, malformed_next=5)
            sim.admin("/admin/drop-ws")
            bot.wait_health(lambda h: h["monitor_status"] == "active", 30, "active again")
            for path in ("/metrics", "/healthz", "/livez"):
                texts[f"GET {path}"] = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).text
            script_env = child_env(env | {"TRADINGBOT_RUNTIME": "local", "TRADINGBOT_AUTOSTART": "0"})
            texts["smoke_live_daemon.sh"] = _script("smoke_live_daemon.sh", script_env)
            assert texts["smoke_live_daemon.sh"].startswith("exit=0"), "smoke failed (see its output)"
            if long:
                texts["smoke --simulate-failure"] = _script("smoke_live_daemon.sh", script_env,
                                                            "--simulate-failure")  # fmt: skip
        finally:
            assert bot.terminate() == 0, "bot did not stop cleanly (see proc/bot.stderr)"
        check = subprocess.run(
            [PY, "-m", "tradingbot", "check-config"], env=child_env(env), capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip
        assert check.returncode == 0, "check-config failed"
        texts["check-config"] = check.stdout + check.stderr
        if long:
            drill_env = child_env(
                env | {"TRADINGBOT_RUNTIME": "local", "TRADINGBOT_VAR_DIR": str(tmp_path / "drill")}
            )
            texts["live_connectivity_drill.sh"] = _script("live_connectivity_drill.sh", drill_env)
            assert texts["live_connectivity_drill.sh"].startswith("exit=0"), "drill failed"
            sim.faults(maintenance="ERR-5202")
            texts["drill (exchange failure)"] = _script("live_connectivity_drill.sh", drill_env)
    assert (var_dir / "logs" / "audit_events.jsonl").exists()
    hits = _scan(planted, texts, tmp_path)
    assert hits == [], f"planted secrets found: {hits}"
    return len(texts)


def test_no_secret_leaks_short(tmp_path: Path) -> None:
    assert run_leak_session(tmp_path, long=False) > 5


@pytest.mark.chaos
@pytest.mark.timeout(900)
def test_no_secret_leaks_long(tmp_path: Path) -> None:
    assert run_leak_session(tmp_path, long=True) > 5
