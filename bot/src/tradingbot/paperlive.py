"""Paper trading on live prices: a GMO public WebSocket feeds the embedded simulator's book.

Composition-level glue (like :mod:`tradingbot.app`, it sees a venue and the simulator, never the engine):
the symbol's rules and fees come from the public REST ``/v1/symbols``, the first price from ``/v1/ticker``,
then every ``orderbooks`` frame replaces the paper exchange's book (:meth:`Simulator.apply_book`, its
price-source seam) and every ``trades`` frame is recorded as a public trade. The bot trades against the
embedded simulator as usual, so its orders never leave the machine; only public data is read upstream, and
no key is needed.

While the live feed is down or has sent no book yet, the paper exchange answers writes with ERR-5203
(pre-open): nobody fills at a stale price. Reads keep working, so reconciliation does too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from tradingbot.marketdata import MarketEvent, OrderBook, Trade
from tradingbot.sim import SymbolSpec
from tradingbot.sim.simulator import Simulator
from tradingbot.venues.gmo.market import ExchangeErrorFrame
from tradingbot.venues.gmo.models import SymbolInfo, Ticker
from tradingbot.venues.gmo.ws import PublicStream, StreamState, StreamTiming, Subscription

log = logging.getLogger(__name__)

WAITING = "ERR-5203"  # GMO's pre-open: reads answer, writes are refused
_SYMBOLS = TypeAdapter(list[SymbolInfo])
_TICKERS = TypeAdapter(list[Ticker])


class LivePricesError(Exception):
    """The live public API could not give what paper trading on live prices needs."""


async def _public_get(client: httpx.AsyncClient, url: str, params: dict[str, str] | None = None) -> Any:
    try:
        response = await client.get(url, params=params)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise LivePricesError(f"GET {url}: {type(exc).__name__}: {exc}") from None
    if not isinstance(body, dict) or body.get("status") != 0 or "data" not in body:
        raise LivePricesError(f"GET {url}: HTTP {response.status_code}, not a GMO success envelope")
    return body["data"]


async def fetch_symbol_spec(rest_url: str, symbol: str, *, wait: float = 10.0) -> SymbolSpec:
    """The paper exchange's rules for `symbol`: sizes, tick and fees from the live venue, its last price."""
    async with httpx.AsyncClient(timeout=wait) as client:
        symbols_data = await _public_get(client, f"{rest_url}/v1/symbols")
        ticker_data = await _public_get(client, f"{rest_url}/v1/ticker", {"symbol": symbol})
    try:
        infos = {info.symbol: info for info in _SYMBOLS.validate_python(symbols_data)}
        tickers = [t for t in _TICKERS.validate_python(ticker_data) if t.symbol == symbol]
    except ValidationError as exc:
        raise LivePricesError(f"{rest_url}: unexpected answer shape ({exc.error_count()} errors)") from None
    info = infos.get(symbol)
    if info is None:
        raise LivePricesError(f"symbol {symbol} is not traded at {rest_url}; known: {sorted(infos)}")
    if not tickers or not tickers[0].last > 0:
        raise LivePricesError(f"{rest_url}/v1/ticker has no price for {symbol}")
    return SymbolSpec(
        symbol,
        info.min_order_size,
        info.max_order_size,
        info.size_step,
        info.tick_size,
        tickers[0].last,
        taker_fee=info.taker_fee,
        maker_fee=info.maker_fee,
    )


class LiveBookFeed:
    """Runs a public stream from the live venue into `sim` until cancelled."""

    def __init__(self, sim: Simulator, url: str, symbol: str, *, timing: StreamTiming | None = None) -> None:
        self.sim = sim
        self.url = url
        self.symbol = symbol
        self.timing = timing
        self.first_book = asyncio.Event()
        self.books = 0
        self.trades = 0
        self.dropped = 0
        self.holds = 0  # times the paper exchange was closed for want of a fresh book
        self._fresh = False
        self._hold()

    def _hold(self) -> None:
        self.holds += 1
        self._fresh = False
        self.sim.faults.update({"maintenance": WAITING})

    def _on_state(self, state: StreamState) -> None:
        if state is not StreamState.CONNECTED:
            log.warning("live prices: stream %s; the paper exchange refuses orders until a fresh book", state)
            self._hold()

    def _on_malformed(self, reason: str) -> None:
        self.dropped += 1  # refused at the venue's boundary (counted and logged there by reason)

    def _on_event(self, neutral: MarketEvent | ExchangeErrorFrame) -> None:
        if isinstance(neutral, OrderBook) and neutral.symbol == self.symbol:
            if not (neutral.asks and neutral.bids):
                self.dropped += 1  # a one-sided book cannot price a fill both ways
                return
            try:
                self.sim.apply_book(
                    self.symbol,
                    [(level.price, level.size) for level in neutral.asks],
                    [(level.price, level.size) for level in neutral.bids],
                )
            except (ArithmeticError, ValueError) as exc:
                # A book the paper exchange cannot take costs this frame only, never the feed.
                self.dropped += 1
                log.warning("live prices: book dropped (%s)", exc)
                return
            self.books += 1
            if not self._fresh:
                self._fresh = True
                self.sim.faults.update({"maintenance": None})
                log.info("live prices: book received; the paper exchange is open")
            self.first_book.set()
        elif isinstance(neutral, Trade) and neutral.symbol == self.symbol:
            self.sim.apply_trade(self.symbol, neutral.price, neutral.side, neutral.size, neutral.timestamp)
            self.trades += 1

    async def run(self) -> None:
        stream = PublicStream(
            self.url,
            [Subscription("orderbooks", self.symbol), Subscription("trades", self.symbol)],
            on_state=self._on_state,
            on_event=self._on_event,
            on_malformed=self._on_malformed,
            timing=self.timing,
        )
        try:
            await stream.run()
        except Exception:
            log.exception("live prices: the feed failed")
            raise
        finally:
            # However the feed ends, its last book is stale from now on: no fill at it.
            self._hold()
