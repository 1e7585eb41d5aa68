"""Suite: kill -9 restarts and the private stream's WS tokens (issue 18, item 2).

The real bot (``python -m tradingbot run``, paper mode) trades against a simulator in its own process
(TRADINGBOT_SIM_URL), which, like GMO, keeps at most 5 tokens per key and evicts the one nearest to expiry.
Each run is killed with SIGKILL at a seeded point after its private stream connected (every fifth run
during start-up instead), so no run ever deletes its token. Afterwards the simulator must hold at most 2
tokens for the bot's key (``/admin/ws-tokens``: the kept token is reused, a token created in the instant
before a kill may be the second), and every start must have its private stream ``connected`` (healthz)
within 5 s of the process start. A last clean stop deletes its token and the file. The long form (25
restarts) runs in ``make chaos``; 3 restarts run in ``make test``.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
from reliability_harness import BotProcess, bot_env, free_port, sim_process
from tradingbot.sim import PAPER_API_KEY

CONNECT_BUDGET = 5.0  # seconds from process start to the private stream "connected"
MAX_TOKENS = 2


def _tokens(sim_http: Any) -> int:
    body = sim_http.get("/admin/ws-tokens", headers={"API-KEY": PAPER_API_KEY}).json()
    count: int = body["count"]
    return count


def run_token_restarts(tmp_path: Path, *, restarts: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    var_dir = tmp_path / "var"
    logs = tmp_path / "logs"
    timings: list[float] = []
    counts: list[int] = []
    startup_kills = 0
    before_stop = 0
    with sim_process(tmp_path / "sim", seed=seed, tick_interval=0.1) as sim:
        port = free_port()
        env = bot_env(var_dir, sim.base, port)
        token_file = var_dir / "state" / "ws_token.json"
        for n in range(restarts + 1):
            started = time.monotonic()
            bot = BotProcess(env, logs, f"run{n}")
            try:
                if n % 5 == 4 and n < restarts:
                    # Every fifth run dies during start-up (token restore/creation may be in flight).
                    time.sleep(rng.uniform(0.3, 2.5))  # the kill point, not a wait for a condition
                    bot.kill9()
                    startup_kills += 1
                    counts.append(_tokens(sim.http))
                    assert counts[-1] <= MAX_TOKENS, f"after kill {n + 1}: {counts[-1]} tokens for the key"
                    continue
                bot.wait_health(
                    lambda h: h.get("stream", {}).get("private") == "connected",
                    30,
                    f"run {n}: private stream connected",
                )
                timings.append(time.monotonic() - started)
                assert token_file.exists(), "the current token is kept in the state directory"
                assert token_file.stat().st_mode & 0o077 == 0, "the token file is private (0600)"
                if n == restarts:
                    # A token created by a run killed before its answer arrived is known to nobody and
                    # expires after 60 minutes; the bot's own (the kept one) must go with the clean stop.
                    before_stop = _tokens(sim.http)
                    assert bot.terminate() == 0, bot.stderr_tail()
                    break
                # Trade a little (seeded), then die without any cleanup.
                time.sleep(rng.uniform(0.0, 1.5))  # the kill point, not a wait for a condition
                bot.kill9()
            finally:
                bot.close()
            counts.append(_tokens(sim.http))
            assert counts[-1] <= MAX_TOKENS, f"after kill {n + 1}: {counts[-1]} tokens for the bot's key"
        # The process has exited: its DELETE was answered (or given up) already.
        if _tokens(sim.http) != before_stop - 1:
            said = [
                line
                for name in (f"run{restarts}.stdout", f"run{restarts}.stderr")
                for line in (logs / name).read_text(errors="replace").splitlines()
            ]
            notes = [line for line in said if "access token" in line or "stream" in line]
            raise AssertionError(f"the clean stop left its token; the bot said: {notes[-8:]}")
        after_stop = _tokens(sim.http)
        assert not token_file.exists(), "a clean stop removes the kept token"
        orders = len(sim.orders())
    slow = [round(t, 2) for t in timings if t > CONNECT_BUDGET]
    assert not slow, f"private stream connected later than {CONNECT_BUDGET}s after start: {slow}"
    reached = {
        "restarts": restarts,
        "startup_kills": startup_kills,
        "max_tokens_after_kill": max(counts),
        "tokens_after_kills": counts,
        "tokens_before_clean_stop": before_stop,
        "tokens_after_clean_stop": after_stop,
        "connect_s_max": round(max(timings), 2),
        "connect_s_median": round(sorted(timings)[len(timings) // 2], 2),
        "orders_seen_by_sim": orders,
    }
    print(f"ws token kill9 seed={seed}: {reached}")
    return reached


def test_ws_tokens_kill9_short(tmp_path: Path) -> None:
    reached = run_token_restarts(tmp_path, restarts=3, seed=18)
    assert reached["max_tokens_after_kill"] <= MAX_TOKENS


@pytest.mark.chaos
@pytest.mark.timeout(1800)
def test_ws_tokens_kill9_long(tmp_path: Path) -> None:
    reached = run_token_restarts(tmp_path, restarts=25, seed=20261202)
    assert reached["max_tokens_after_kill"] <= MAX_TOKENS
