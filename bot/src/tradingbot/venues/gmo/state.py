"""The typed latest market state per subscribed symbol, fed by the public-frame decoder."""

from __future__ import annotations

from collections import defaultdict, deque
from decimal import Decimal
from functools import partial

from tradingbot.marketdata import OrderBook, Ticker, Trade


class MarketState:
    """Typed latest state per subscribed symbol: ticker, book and the last ``trades_kept`` trades."""

    def __init__(self, trades_kept: int = 100) -> None:
        if trades_kept < 1:
            raise ValueError(f"trades_kept must be >= 1, got {trades_kept}")
        self.trades_kept = trades_kept
        self.tickers: dict[str, Ticker] = {}
        self.books: dict[str, OrderBook] = {}
        # A symbol's trade log is made on its first trade (reads use .get and never create one).
        self.trades: defaultdict[str, deque[Trade]] = defaultdict(partial(deque, maxlen=trades_kept))

    def last_price(self, symbol: str) -> Decimal | None:
        ticker = self.tickers.get(symbol)
        if ticker is not None:
            return ticker.last
        trades = self.trades.get(symbol)
        return trades[-1].price if trades else None

    def best_bid(self, symbol: str) -> Decimal | None:
        book = self.books.get(symbol)
        if book is not None:
            return book.best_bid
        ticker = self.tickers.get(symbol)
        return ticker.bid if ticker is not None else None

    def best_ask(self, symbol: str) -> Decimal | None:
        book = self.books.get(symbol)
        if book is not None:
            return book.best_ask
        ticker = self.tickers.get(symbol)
        return ticker.ask if ticker is not None else None

    def recent_trades(self, symbol: str) -> list[Trade]:
        return list(self.trades.get(symbol, ()))

    def apply(self, event: Ticker | OrderBook | Trade) -> None:
        if isinstance(event, Ticker):
            self.tickers[event.symbol] = event
        elif isinstance(event, OrderBook):
            self.books[event.symbol] = event
        else:
            self.trades[event.symbol].append(event)
