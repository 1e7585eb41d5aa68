"""The running bot against another program on its API key (issue 18, item 2).

A separate client creates five WS tokens for the bot's key: the simulator, like GMO, evicts the bot's token
and closes its private stream. The bot must be back on a new token within a few seconds, count it in
``tradingbot_ws_token_renewals_total`` and keep the token out of its files. A clean stop deletes the token
at the exchange and the file in the state directory.
"""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import orjson
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.rest import GmoRestClient

from tests.support.daemon_harness import env_for, running_daemon, simulator
from tests.support.eventually import eventually

RENEWED = 'tradingbot_ws_token_renewals_total{reason="rejected_after_drop"}'


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def test_token_evicted_by_another_client_is_renewed_and_counted(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    async with simulator(periodic_interval=0.5) as sim, running_daemon(env_for(sim, var_dir)) as bot:
        token_file = var_dir / "state" / "ws_token.json"
        await eventually(lambda: bot.streams.get("private") == "connected", 10, "private stream connected")
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        held = orjson.loads(token_file.read_bytes())["token"]
        assert sim.tokens.owner(held) == PAPER_API_KEY
        assert bot.ops is not None
        metrics_url = f"{bot.ops.base_url}/metrics"
        async with httpx.AsyncClient() as http:
            assert _metric((await http.get(metrics_url)).text, RENEWED) == 0.0
            other = GmoRestClient(
                GmoEndpoints.at(sim.urls.base), Credentials.of(PAPER_API_KEY, PAPER_API_SECRET)
            )
            async with other:
                for _ in range(5):
                    await other.create_ws_token()
            assert sim.tokens.owner(held) is None, "the bot's token was evicted"
            await eventually(
                lambda: (
                    sim.tokens.owner(orjson.loads(token_file.read_bytes())["token"]) == PAPER_API_KEY
                    and bot.streams.get("private") == "connected"
                ),
                5,
                "the bot's private stream back on a new token",
            )
            text = (await http.get(metrics_url)).text
            assert _metric(text, RENEWED) == 1.0
            assert held not in text
        assert sim.tokens.count(PAPER_API_KEY) == 5, "4 of the other client's + the bot's new one"
    assert not token_file.exists(), "a clean stop removes the kept token"
    assert sim.tokens.count(PAPER_API_KEY) == 4, "and deletes it at the exchange"
    for path in var_dir.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".log"):
            assert held not in path.read_text(errors="replace"), f"the token leaked into {path}"
