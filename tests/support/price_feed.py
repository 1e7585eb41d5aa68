"""Feed the simulator's price to a running daemon one step at a time (the MA-cross tests of issue 16).

Each price is re-sent until the trader has run on it, so no decision the test wants is coalesced away
(the trader only sees the latest price) and a slow public-stream connect costs no price.
"""

from __future__ import annotations

from decimal import Decimal

from tradingbot.app import Daemon
from tradingbot.sim import Simulator

from tests.support.eventually import eventually

BASE = Decimal("15000000")


async def feed(sim: Simulator, daemon: Daemon, prices: list[Decimal]) -> None:
    for price in prices:
        before = daemon.loop_count

        async def seen(p: Decimal = price, b: int = before) -> bool:
            # Re-sent until the trader ran on it (the public stream may still be connecting); a repeat
            # of the same price never makes a cross, so it cannot add a decision.
            await sim.set_price("BTC_JPY", p)
            return daemon.loop_count > b

        await eventually(seen, timeout=10, interval=0.1, what=f"the trader to see {price}")


UP = [BASE, BASE, BASE, BASE * Decimal("1.01")]  # prime a flat window, then fast crosses above slow
DOWN = [BASE * Decimal("0.98")]  # after UP: fast crosses below slow (close the long, open a short)
UP_AGAIN = [BASE * Decimal("0.98"), BASE * Decimal("1.02")]
