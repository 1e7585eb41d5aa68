"""The Simulator: price process + exchange + HTTP/WS server on one loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from tradingbot.sim.badframes import bad_frame
from tradingbot.sim.book import Market, Trade
from tradingbot.sim.config import SimConfig
from tradingbot.sim.exchange import Exchange, PrivateEvent, level_view, ticker_view
from tradingbot.sim.extra_routes import register as register_extra_routes
from tradingbot.sim.faults import FaultPlan
from tradingbot.sim.hub import Connection, Hub
from tradingbot.sim.prices import PriceProcess, symbol_rng
from tradingbot.sim.ratelimit import RateLimiter
from tradingbot.sim.server import SimServer
from tradingbot.sim.tokens import TokenRegistry
from tradingbot.sim.wire import now_utc, num, ts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimUrls:
    base: str
    public_rest: str
    private_rest: str
    public_ws: str
    private_ws: str

    @classmethod
    def at(cls, host: str, port: int) -> SimUrls:
        base = f"http://{host}:{port}"
        ws = f"ws://{host}:{port}"
        return cls(base, f"{base}/public", f"{base}/private", f"{ws}/ws/public/v1", f"{ws}/ws/private/v1")

    def as_dict(self) -> dict[str, str]:
        return {
            "base": self.base,
            "public_rest": self.public_rest,
            "private_rest": self.private_rest,
            "public_ws": self.public_ws,
            "private_ws": self.private_ws,
        }

    def line(self) -> str:
        return "sim: listening " + " ".join(f"{k}={v}" for k, v in self.as_dict().items())


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        cfg = self.config
        self.prices = PriceProcess(cfg.seed, cfg.symbol_specs, cfg.symbols, cfg.volatility)
        markets = {
            s: Market(
                cfg.spec(s),
                self.prices.mids[s],
                symbol_rng(cfg.seed, s, "book"),
                cfg.book_levels,
                cfg.history_cap,
            )
            for s in cfg.symbols
        }
        self.exchange = Exchange(
            cfg.symbol_specs,
            markets,
            cfg.credentials,
            cfg.initial_jpy,
            leverage=cfg.leverage,
            clock=self.now,
            history_cap=cfg.history_cap,
        )
        self.faults = FaultPlan()
        self.faults._drop_ws = self._drop_ws
        self.faults._expire_ws_tokens = self._expire_ws_tokens
        self.hub = Hub(self.faults, cfg.ws_queue_size)
        self.tokens = TokenRegistry(cfg.ws_token_ttl, cfg.max_ws_tokens)
        # Like GMO: a token evicted by a newer one stops working, and so does its private stream.
        self.tokens.on_evict = lambda evicted: self.hub.drop_tokens(set(evicted))
        self.limiter = RateLimiter(cfg.get_per_second, cfg.post_per_second, window=cfg.rate_window)
        self.received_orders: list[dict[str, Any]] = []
        self._server = SimServer(self)
        register_extra_routes(self._server)
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._urls: SimUrls | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def urls(self) -> SimUrls:
        if self._urls is None:
            raise RuntimeError("Simulator.urls is only known after `await start()`")
        return self._urls

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> SimUrls:
        if self._runner is not None:
            raise RuntimeError("Simulator already started")
        runner = web.AppRunner(self._server.app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound = runner.addresses[0]
        self._urls = SimUrls.at(host, int(bound[1]))
        self._server.stopping.clear()
        if self.config.tick_interval > 0:
            self._tasks.append(asyncio.create_task(self._tick_loop(), name="sim-ticks"))
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="sim-housekeeping"))
        log.info("sim: started on %s (seed=%d)", self._urls.base, self.config.seed)
        return self._urls

    async def stop(self) -> None:
        self._server.stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        log.info("sim: stopped")

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def held_requests(self) -> int:
        """Accept-then-timeout requests whose client has not disconnected yet."""
        return self._server.held

    # ------------------------------------------------------------------ clock and stepping
    def now(self) -> datetime:
        return now_utc()

    async def step(self, n: int = 1) -> None:
        """Advance the price process `n` steps: new books and trades, resting-order matching, broadcasts."""
        for _ in range(n):
            self.prices.step()
            self._reprice()
            # Let connection writers run between steps so frames leave in step order.
            await asyncio.sleep(0)

    async def set_price(self, symbol: str, price: Decimal) -> None:
        """Force the mid price of `symbol` (admin/test hook); matches and broadcasts like a step."""
        self.prices.force(symbol, price)
        self._reprice()
        await asyncio.sleep(0)

    # ------------------------------------------------------------------ external prices (price-source seam)
    def apply_book(
        self, symbol: str, asks: list[tuple[Decimal, Decimal]], bids: list[tuple[Decimal, Decimal]]
    ) -> None:
        """Replace `symbol`'s book with an external one (paper trading on live prices; run with
        tick_interval=0 so the random walk never moves it): resting orders match it, streams carry it."""
        market = self._market(symbol)
        market.set_book(asks, bids)
        self.prices.mids[symbol] = market.mid
        self._after_prices(self.now())

    def apply_trade(self, symbol: str, price: Decimal, side: str, size: Decimal, at: datetime) -> None:
        """Record an external public trade; it is published with the next book."""
        self._market(symbol).record_trade(Trade(price, side, size, at))

    def _market(self, symbol: str) -> Market:
        market = self.exchange.markets.get(symbol)
        if market is None:
            raise ValueError(f"unknown symbol {symbol!r}; known: {sorted(self.exchange.markets)}")
        return market

    def _reprice(self) -> None:
        now = self.now()
        for symbol, market in self.exchange.markets.items():
            market.reprice(self.prices.mids[symbol], now)
        self._after_prices(now)

    def _after_prices(self, now: datetime) -> None:
        # During maintenance or a stop nothing trades, so resting orders wait for the exchange to reopen.
        self.exchange.halted = self.faults.maintenance in ("ERR-5201", "ERR-5202")
        self.dispatch(self.exchange.on_step())
        self._broadcast_public(now)

    async def _tick_loop(self) -> None:
        interval = self.config.tick_interval
        next_at = time.monotonic()
        while True:
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                next_at = (
                    time.monotonic()
                )  # fell behind (accelerated mode): do not try to catch up in a burst
            await self.step(1)

    # ------------------------------------------------------------------ fan-out
    def _broadcast_public(self, now: datetime) -> None:
        hub = self.hub
        stamp = ts(now)
        for symbol, market in self.exchange.markets.items():
            if self._send_bad_frames(market, now):
                continue
            if hub.wants("ticker", symbol):
                hub.publish(
                    "ticker", symbol, orjson.dumps({"channel": "ticker", **ticker_view(market, now)}).decode()
                )
            if hub.wants("orderbooks", symbol):
                frame = {
                    "channel": "orderbooks",
                    "asks": level_view(market.asks),
                    "bids": level_view(market.bids),
                    "symbol": symbol,
                    "timestamp": stamp,
                }
                hub.publish("orderbooks", symbol, orjson.dumps(frame).decode())
            if hub.wants("trades", symbol):
                for trade in market.step_trades:
                    frame = {
                        "channel": "trades",
                        "price": num(trade.price),
                        "side": trade.side,
                        "size": num(trade.size),
                        "timestamp": ts(trade.timestamp),
                        "symbol": symbol,
                    }
                    hub.publish("trades", symbol, orjson.dumps(frame).decode())
                market.step_trades = []

    def _send_bad_frames(self, market: Market, now: datetime) -> bool:
        """The ``bad_frames`` fault: the pending bad frames replace this broadcast's frames of the first
        market anyone listens to. They go to every connection subscribed to the market, whatever channel
        each frame claims, as a misrouted or corrupted frame would."""
        faults = self.faults
        listeners = self.hub.listeners(market.symbol) if faults.bad_frames else []
        if not listeners:
            return False
        mid = market.mid if faults.bad_frame_price is None else Decimal(faults.bad_frame_price)
        texts = []
        for entry in faults.bad_frames:
            try:
                texts.append(bad_frame(entry, market.spec, mid, now))
            except ValueError as exc:  # set in-process without FaultPlan.update's check
                log.warning("sim: bad_frames entry dropped: %s", exc)
        faults.bad_frames = ()
        market.step_trades = []
        for conn in listeners:
            for text in texts:
                self.hub.send(conn, text)
        return True

    def dispatch(self, events: list[PrivateEvent]) -> None:
        for event in events:
            if self.hub.wants(event.channel, ""):
                self.hub.publish(
                    event.channel, "", orjson.dumps(event.payload).decode(), api_key=event.api_key
                )

    def send_summaries(self, conn: Connection, msg_type: str) -> None:
        assert conn.api_key is not None
        stamp = ts(self.now())
        for symbol in self.exchange.markets:
            for view in self.exchange.summaries(conn.api_key, symbol):
                frame = {"channel": "positionSummaryEvents", **view, "timestamp": stamp, "msgType": msg_type}
                self.hub.send(conn, orjson.dumps(frame).decode())

    # ------------------------------------------------------------------ faults wired into the plan
    def _drop_ws(self) -> None:
        self.hub.drop_all()

    def _expire_ws_tokens(self) -> None:
        self.hub.drop_tokens(set(self.tokens.expire_all()))

    async def _housekeeping(self) -> None:
        cfg = self.config
        period = min(1.0, cfg.ws_ping_interval, cfg.periodic_interval)
        last_periodic = time.monotonic()
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            private = [c for c in self.hub.connections if c.token is not None]
            expired = set(self.tokens.expired([c.token for c in private if c.token is not None]))
            if expired:
                self.hub.drop_tokens(expired)
            periodic_due = now - last_periodic >= cfg.periodic_interval
            if periodic_due:
                last_periodic = now
            for conn in list(self.hub.connections):
                if periodic_due and conn.periodic and not self.faults.ws_stall:
                    self.send_summaries(conn, "PERIODIC")
                if self.faults.ws_stall or now - conn.last_ping < cfg.ws_ping_interval:
                    continue
                conn.last_ping = now
                if conn.missed_pings >= cfg.ws_max_missed_pings:
                    log.info(
                        "sim: closing a %s WebSocket after %d unanswered pings", conn.kind, conn.missed_pings
                    )
                    self.hub.close_later(conn)
                    continue
                conn.missed_pings += 1
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await conn.ws.ping()

    # ------------------------------------------------------------------ admin view
    def state(self) -> dict[str, Any]:
        exchange = self.exchange
        accounts = []
        # Accounts are numbered, not named by API key: keys stay out of every admin output.
        for index, key in enumerate(exchange.accounts, start=1):
            accounts.append(
                {
                    "account": f"account-{index}",
                    "margin": exchange.margin_view(key),
                    "active_orders": [o.view() for o in exchange.active.values() if o.api_key == key],
                    "positions": [
                        exchange.position_view(p) for p in exchange.positions.values() if p.api_key == key
                    ],
                }
            )
        return {
            "step": self.prices.step_count,
            "prices": {s: num(p) for s, p in self.prices.mids.items()},
            "faults": self.faults.as_dict(),
            "received_orders": len(self.received_orders),
            "ws_connections": len(self.hub.connections),
            "ws_tokens": len(self.tokens),
            "accounts": accounts,
        }
