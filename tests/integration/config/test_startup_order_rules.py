"""At start-up the order size is checked against the venue's own symbol rules, which win over the
published ones the settings check statically (issue 14, item 2). Real daemon, real simulator on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from pathlib import Path

from tradingbot.app import Daemon
from tradingbot.config import load_settings
from tradingbot.sim.config import DEFAULT_SPECS

from tests.support.daemon_harness import FAST, env_for, simulator


async def test_a_size_the_venue_refuses_stops_the_bot_before_trading(tmp_path: Path) -> None:
    # This venue trades BTC_JPY only in steps of 0.1: 0.01 passes the static check and must fail here.
    coarse = dataclasses.replace(
        DEFAULT_SPECS["BTC_JPY"], min_order_size=Decimal("0.1"), size_step=Decimal("0.1")
    )
    specs = {**DEFAULT_SPECS, "BTC_JPY": coarse}
    async with simulator(symbol_specs=specs) as sim:
        settings = load_settings(env_for(sim, tmp_path / "var")).model_copy(update={"http_port": 0})
        daemon = Daemon(settings, timing=FAST)
        code = await asyncio.wait_for(daemon.run(install_signals=False), 30)
        assert sim.received_orders == []
    assert code == 2  # a configuration error, as for the static checks
    message = daemon.stop_reason
    assert "TRADINGBOT_STRATEGY__ORDER_SIZE=0.01 is below BTC_JPY's minimum order size 0.1" in message
    assert "the venue's symbol rules" in message
    assert "accepted: 0.1..5 in steps of 0.1" in message
