"""Paper trading on live prices (issue 18, item 3), with another simulator standing in for GMO.

No internet here, and tests never connect to the real GMO: the "live" venue is a second simulator on
127.0.0.1 whose public REST and WebSocket the bot is pointed at (TRADINGBOT_PAPER_PUBLIC_*_URL). Its prices
(around 4,321,000 with a tick of 5 and a taker fee, all unlike the embedded simulator's defaults) and its
published order-book frames are the independent reference: every paper fill must be at a price one of those
frames offered, the paper exchange must hold the orders, and the upstream must see no private request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from tradingbot.app import App
from tradingbot.config import ConfigError, load_settings
from tradingbot.sim import PAPER_API_KEY, SimConfig, Simulator
from tradingbot.sim.config import DEFAULT_SPECS

from tests.support.daemon_harness import running_daemon
from tests.support.eventually import eventually

UPSTREAM_PRICE = Decimal("4321000")


def _upstream_config() -> SimConfig:
    spec = dataclasses.replace(
        DEFAULT_SPECS["BTC_JPY"],
        initial_price=UPSTREAM_PRICE,
        tick_size=Decimal("5"),
        taker_fee=Decimal("0.0005"),
    )
    return SimConfig(
        seed=7,
        symbols=("BTC_JPY",),
        tick_interval=0.05,
        volatility=0.002,
        ws_subscribe_interval=0.05,
        symbol_specs={"BTC_JPY": spec},
    )


def _record_books(sim: Simulator) -> set[Decimal]:
    """Every price the upstream offered in an orderbooks frame (a spy on the reference, not the bot)."""
    offered: set[Decimal] = set()
    publish: Callable[..., None] = sim.hub.publish

    def spy(channel: str, symbol: str, frame: str, **kw: object) -> None:
        if channel == "orderbooks":
            book = orjson.loads(frame)
            offered.update(Decimal(level["price"]) for level in book["asks"] + book["bids"])
        publish(channel, symbol, frame, **kw)

    sim.hub.publish = spy  # type: ignore[method-assign]
    return offered


def _env(upstream: Simulator, var_dir: Path) -> dict[str, str]:
    base = upstream.urls.base
    return {
        "TRADINGBOT_VAR_DIR": str(var_dir),
        "TRADINGBOT_SECRETS_DIR": str(var_dir / "no-secrets"),
        "TRADINGBOT_PAPER_PRICES": "live",
        "TRADINGBOT_PAPER_PUBLIC_WS_URL": base.replace("http://", "ws://") + "/ws/public/v1",
        "TRADINGBOT_PAPER_PUBLIC_REST_URL": base + "/public",
        "TRADINGBOT_STRATEGY__FAST_WINDOW": "2",
        "TRADINGBOT_STRATEGY__SLOW_WINDOW": "3",
        "TRADINGBOT_STRATEGY__ORDER_SIZE": "0.01",
    }


async def test_paper_fills_at_the_upstream_prices_in_the_embedded_exchange(tmp_path: Path) -> None:
    upstream = Simulator(_upstream_config())
    offered = _record_books(upstream)
    await upstream.start("127.0.0.1", 0)
    try:
        async with running_daemon(_env(upstream, tmp_path / "var")) as bot:
            assert isinstance(bot, App)
            paper = bot.sim
            assert paper is not None, "the embedded paper exchange runs"
            spec = paper.config.spec("BTC_JPY")
            assert (spec.tick_size, spec.taker_fee) == (Decimal("5"), Decimal("0.0005")), "upstream's rules"
            await eventually(
                lambda: len(paper.exchange.executions) >= 2, 60, "two paper fills on the upstream's prices"
            )
            fills = list(paper.exchange.executions.values())
            for fill in fills:
                assert fill.price in offered, (
                    f"paper fill at {fill.price}, a price the upstream never offered"
                )
                assert abs(fill.price - UPSTREAM_PRICE) / UPSTREAM_PRICE < Decimal("0.2")
                assert fill.fee > 0, "the upstream's taker fee applies"
            assert paper.received_orders, "the orders went to the embedded paper exchange"
            assert bot.streams.get("public") == "connected"
        # Nothing of the bot reached the upstream's private API.
        assert upstream.received_orders == []
        assert upstream.tokens.count(PAPER_API_KEY) == 0
        assert all(c.token is None for c in upstream.hub.connections)
        account = upstream.state()["accounts"][0]
        assert account["active_orders"] == []
        assert account["positions"] == []
    finally:
        await upstream.stop()


async def test_no_live_book_is_a_clear_start_failure(tmp_path: Path) -> None:
    upstream = Simulator(dataclasses.replace(_upstream_config(), tick_interval=0))  # never publishes a book
    await upstream.start("127.0.0.1", 0)
    try:
        settings = load_settings(_env(upstream, tmp_path / "var")).model_copy(update={"http_port": 0})
        app = App(settings)
        app.live_book_timeout = 3.0
        assert await app.run(install_signals=False) == 2
        assert "no BTC_JPY order book from ws://127.0.0.1:" in app.stop_reason
        assert upstream.received_orders == []
    finally:
        await upstream.stop()


def test_settings_for_live_prices(tmp_path: Path) -> None:
    defaults = load_settings({})
    assert defaults.paper_prices == "sim"
    assert defaults.paper_public_ws_url == "wss://api.coin.z.com/ws/public/v1"
    assert defaults.paper_public_rest_url == "https://api.coin.z.com/public"
    assert load_settings({"TRADINGBOT_PAPER_PRICES": "LIVE"}).paper_prices == "live"
    with pytest.raises(ConfigError, match=r"'real' is not a paper price source; accepted: sim\|live"):
        load_settings({"TRADINGBOT_PAPER_PRICES": "real"})
    with pytest.raises(ConfigError, match="is not a WebSocket URL"):
        load_settings({"TRADINGBOT_PAPER_PUBLIC_WS_URL": "https://api.coin.z.com/ws/public/v1"})
    with pytest.raises(ConfigError, match="cannot be combined with TRADINGBOT_SIM_URL"):
        load_settings({"TRADINGBOT_PAPER_PRICES": "live", "TRADINGBOT_SIM_URL": "http://127.0.0.1:9"})
