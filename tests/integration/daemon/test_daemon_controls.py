"""Pause, resume and flatten against the real daemon trading on the real simulator (issue 16 item 5).

The strategy is a fast=2/slow=3 moving-average cross: the test moves the simulator's price so that the
strategy wants to open (and reverse) positions, and counts the order intents the bot writes. Each price
is fed only once the trader has run on the previous one, so no wanted decision is coalesced away.
"""

from __future__ import annotations

import json
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from tradingbot.app import Daemon
from tradingbot.ops.control import HEADER, token_path

from tests.support.daemon_harness import env_for, running_daemon, simulator
from tests.support.eventually import eventually
from tests.support.price_feed import DOWN, UP, UP_AGAIN, feed


def opens(daemon: Daemon) -> int:
    assert daemon.store is not None
    return sum(1 for i in daemon.store.intents() if i.action == "open")


def closes(daemon: Daemon) -> int:
    assert daemon.store is not None
    return sum(1 for i in daemon.store.intents() if i.action == "close")


async def control(daemon: Daemon, name: str, token: str | None) -> httpx.Response:
    assert daemon.ops is not None
    headers = {} if token is None else {HEADER: token}
    async with httpx.AsyncClient(base_url=daemon.ops.base_url, timeout=10) as http:
        return await http.post(f"/control/{name}", headers=headers)


# The feeds move the price 3-4 % a step to make MA crosses; the price guard (3 % default) would hold those
# back. The guard has its own tests; here it only has to stay out of the way of the controls.
NO_GUARD = {"TRADINGBOT_PRICE_GUARD__MAX_JUMP": "0.5"}


async def get(daemon: Daemon, path: str) -> httpx.Response:
    assert daemon.ops is not None
    async with httpx.AsyncClient(base_url=daemon.ops.base_url, timeout=10) as http:
        return await http.get(path)


def audit_events(var_dir: Path) -> list[dict[str, Any]]:
    lines = (var_dir / "logs" / "audit_events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


async def test_pause_stops_opening_allows_reducing_and_resume_trades_again(tmp_path: Path) -> None:
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path, **NO_GUARD)) as daemon:
        token_file = token_path(tmp_path)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        await feed(sim, daemon, UP)
        await eventually(lambda: daemon.exposure.long == Decimal("0.01"), what="a long position")

        answer = await control(daemon, "pause", token)
        assert answer.status_code == 200, answer.text
        assert answer.json()["paused"] is True
        health = await get(daemon, "/healthz")
        assert health.status_code == 200, health.text  # paused is intended: still ready
        assert health.json()["paused"] is True
        assert (await get(daemon, "/status")).json()["paused"] is True
        progress = tmp_path / "artifacts" / "run_progress.json"
        await eventually(lambda: json.loads(progress.read_text())["paused"] is True, what="progress paused")

        opens_before, closes_before = opens(daemon), closes(daemon)
        await feed(sim, daemon, DOWN)  # the strategy wants: close the long, open a short
        await eventually(lambda: daemon.exposure.long == 0, what="the long closed while paused")
        assert closes(daemon) == closes_before + 1
        await feed(sim, daemon, UP_AGAIN)  # and now wants a long again
        assert opens(daemon) == opens_before, "a paused bot opened a position"
        skipped = [
            e for e in audit_events(tmp_path)
            if e["event"] == "order_skipped" and e["reason"].startswith("paused")
        ]  # fmt: skip
        assert len(skipped) >= 2, "the strategy did not want to open while paused: the test proves nothing"

        answer = await control(daemon, "resume", token)
        assert answer.status_code == 200, answer.text
        assert (await get(daemon, "/healthz")).json()["paused"] is False
        await feed(sim, daemon, DOWN)  # a cross down: open a short
        await eventually(lambda: opens(daemon) > opens_before, what="an open order after resume")
        await eventually(lambda: daemon.exposure.short == Decimal("0.01"), what="a short position")
    events = [e["event"] for e in audit_events(tmp_path)]
    assert "control_pause" in events
    assert "control_resume" in events
    assert not token_file.exists(), "the control token outlived the run"


async def test_flatten_closes_the_position_stays_paused_and_survives_a_restart(tmp_path: Path) -> None:
    async with simulator() as sim:
        env = env_for(sim, tmp_path, **NO_GUARD)
        async with running_daemon(env) as daemon:
            token = token_path(tmp_path).read_text().strip()
            await feed(sim, daemon, UP)
            await eventually(lambda: daemon.exposure.long == Decimal("0.01"), what="a long position")
            answer = await control(daemon, "flatten", token)
            assert answer.status_code == 200, answer.text
            assert answer.json()["paused"] is True
            await eventually(lambda: not sim.state()["accounts"][0]["positions"], what="no position left")
            await eventually(lambda: daemon.exposure.gross == 0, what="the bot sees it flat")
            assert (await get(daemon, "/healthz")).json()["paused"] is True
            opens_before = opens(daemon)
            await feed(sim, daemon, DOWN + UP_AGAIN)
            assert opens(daemon) == opens_before
        # An operator who paused before a restart finds the bot still paused.
        async with running_daemon(env) as again:
            assert again.state.paused is True
            assert (await get(again, "/healthz")).json()["paused"] is True
            token = token_path(tmp_path).read_text().strip()
            assert (await control(again, "resume", token)).status_code == 200
            assert again.state.paused is False
    flatten = [e for e in audit_events(tmp_path) if e["event"] == "control_flatten"]
    assert len(flatten) == 1
    assert flatten[0]["paused"] is True


async def test_a_control_without_the_token_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path, **NO_GUARD)) as daemon:
        token = token_path(tmp_path).read_text().strip()
        none = await control(daemon, "pause", None)
        wrong = await control(daemon, "flatten", "x" * len(token))
        assert (none.status_code, wrong.status_code) == (401, 403)
        assert token not in none.text + wrong.text
        assert daemon.state.paused is False
        assert not (tmp_path / "paused.json").exists()
        assert (await get(daemon, "/healthz")).json()["paused"] is False
        unknown = await control(daemon, "explode", token)
        assert unknown.status_code == 404
        assert "accepted: pause, resume, flatten" in unknown.json()["error"]
    events = {e["event"] for e in audit_events(tmp_path)}
    assert not {"control_pause", "control_flatten"} & events
    log_text = (tmp_path / "logs" / "audit_events.jsonl").read_text()
    assert token not in log_text
