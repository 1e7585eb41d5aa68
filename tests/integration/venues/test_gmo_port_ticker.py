"""The exchange port's REST ticker read (the price guard's confirmation) against the real simulator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradingbot.marketdata import Ticker
from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, Simulator
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import GmoError
from tradingbot.venues.gmo.port import GmoExchangePort
from tradingbot.venues.gmo.rest import GmoRestClient


async def test_the_port_reads_the_ticker_the_simulator_shows() -> None:
    sim = Simulator(SimConfig(tick_interval=0))
    urls = await sim.start("127.0.0.1", 0)
    try:
        async with GmoRestClient(
            GmoEndpoints.at(urls.base), Credentials.of(PAPER_API_KEY, PAPER_API_SECRET)
        ) as client:
            port = GmoExchangePort(client)
            for price in (Decimal("15000000"), Decimal("29250000")):
                await sim.set_price("BTC_JPY", price)
                ticker = await port.ticker("BTC_JPY")
                assert isinstance(ticker, Ticker)
                assert ticker.symbol == "BTC_JPY"
                assert 0 < ticker.bid <= ticker.ask
                # The simulator quotes around the mid it was given (a tick or so of spread).
                assert abs(ticker.mid - price) <= price * Decimal("0.001"), (ticker, price)
            with pytest.raises(GmoError):
                await port.ticker("NOPE_JPY")
    finally:
        await sim.stop()
