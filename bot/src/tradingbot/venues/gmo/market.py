"""The public market-data hot path: frames -> light events -> MarketState.

Frames are decoded with orjson and kept as the raw dicts of strings; nothing is converted on arrival. What a
strategy reads (last price, best bid/ask, a trade's price) becomes Decimal on first access and is cached, so
a 20-level book costs one dict, not forty Decimals. No pydantic here: it is several times slower than the
decode itself, and the target is decode + dispatch at >= 50% of bare `orjson.loads` throughput.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

_loads = orjson.loads


class MalformedFrame(ValueError):  # noqa: N818 - a frame, not an error of ours
    """A public frame that is not valid JSON or lacks what its channel must carry."""


_TOO_LARGE = Decimal("1e15")
"""No GMO price or size comes near this; a larger (or NaN, infinite, negative) value is a broken frame."""


def _checked(value: Decimal, what: str) -> Decimal:
    # Decimal accepts "NaN", "Infinity" and "1e999999": each would reach the strategy as a price (NaN even
    # raises on comparison), so they are refused here like any other malformed field.
    if not value.is_finite() or value < 0 or value >= _TOO_LARGE:
        raise MalformedFrame(f"field {what} is not a finite decimal in [0, 1e15): {value!r}")
    return value


_NUMBER_TYPES = (str, int, float)  # GMO sends strings; Decimal would also take a (sign, digits, exp) list


def _number(value: Any) -> Decimal:
    if value.__class__ not in _NUMBER_TYPES:
        raise TypeError(f"not a number: {value!r}")
    return Decimal(value)


def _decimal(raw: dict[str, Any], key: str) -> Decimal:
    try:
        return _checked(_number(raw[key]), repr(key))
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise MalformedFrame(f"field {key!r} is not a decimal string: {raw.get(key)!r}") from None


def _timestamp(raw: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(raw["timestamp"])
    except (KeyError, TypeError, ValueError):
        raise MalformedFrame(f"field 'timestamp' is not ISO-8601: {raw.get('timestamp')!r}") from None


class TickerUpdate:
    __slots__ = ("_ask", "_bid", "_last", "raw", "symbol")
    channel = "ticker"

    def __init__(self, symbol: str, raw: dict[str, Any]) -> None:
        self.symbol = symbol
        self.raw = raw
        self._last: Decimal | None = None
        self._bid: Decimal | None = None
        self._ask: Decimal | None = None

    @property
    def last(self) -> Decimal:
        if self._last is None:
            self._last = _decimal(self.raw, "last")
        return self._last

    @property
    def bid(self) -> Decimal:
        if self._bid is None:
            self._bid = _decimal(self.raw, "bid")
        return self._bid

    @property
    def ask(self) -> Decimal:
        if self._ask is None:
            self._ask = _decimal(self.raw, "ask")
        return self._ask

    @property
    def volume(self) -> Decimal:
        return _decimal(self.raw, "volume")

    @property
    def timestamp(self) -> datetime:
        return _timestamp(self.raw)

    def __repr__(self) -> str:
        return f"TickerUpdate({self.symbol}, last={self.raw.get('last')})"


def _levels(side: list[dict[str, Any]], depth: int | None) -> list[tuple[Decimal, Decimal]]:
    chosen = side if depth is None else side[:depth]
    try:
        return [
            (_checked(_number(level["price"]), "price"), _checked(_number(level["size"]), "size"))
            for level in chosen
        ]
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise MalformedFrame("a book level is not {price, size} decimal strings") from None


class BookUpdate:
    """A full order-book snapshot (GMO sends the top levels each time, asks ascending, bids descending)."""

    __slots__ = ("_best_ask", "_best_bid", "raw", "symbol")
    channel = "orderbooks"

    def __init__(self, symbol: str, raw: dict[str, Any]) -> None:
        self.symbol = symbol
        self.raw = raw
        self._best_bid: Decimal | None = None
        self._best_ask: Decimal | None = None

    @property
    def best_bid(self) -> Decimal | None:
        if self._best_bid is None and self.raw["bids"]:
            self._best_bid = _decimal(self.raw["bids"][0], "price")
        return self._best_bid

    @property
    def best_ask(self) -> Decimal | None:
        if self._best_ask is None and self.raw["asks"]:
            self._best_ask = _decimal(self.raw["asks"][0], "price")
        return self._best_ask

    @property
    def mid(self) -> Decimal | None:
        bid, ask = self.best_bid, self.best_ask
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    def bids(self, depth: int | None = None) -> list[tuple[Decimal, Decimal]]:
        return _levels(self.raw["bids"], depth)

    def asks(self, depth: int | None = None) -> list[tuple[Decimal, Decimal]]:
        return _levels(self.raw["asks"], depth)

    @property
    def timestamp(self) -> datetime:
        return _timestamp(self.raw)

    def __repr__(self) -> str:
        return f"BookUpdate({self.symbol}, bids={len(self.raw['bids'])}, asks={len(self.raw['asks'])})"


class TradeUpdate:
    __slots__ = ("_price", "_size", "raw", "symbol")
    channel = "trades"

    def __init__(self, symbol: str, raw: dict[str, Any]) -> None:
        self.symbol = symbol
        self.raw = raw
        self._price: Decimal | None = None
        self._size: Decimal | None = None

    @property
    def price(self) -> Decimal:
        if self._price is None:
            self._price = _decimal(self.raw, "price")
        return self._price

    @property
    def size(self) -> Decimal:
        if self._size is None:
            self._size = _decimal(self.raw, "size")
        return self._size

    @property
    def side(self) -> str:
        return str(self.raw["side"])

    @property
    def timestamp(self) -> datetime:
        return _timestamp(self.raw)

    def __repr__(self) -> str:
        raw = self.raw
        return f"TradeUpdate({self.symbol}, {raw.get('side')} {raw.get('size')}@{raw.get('price')})"


class ExchangeErrorFrame:
    """`{"error": "ERR-5003 Request too many."}`: the server refused something we sent on the stream."""

    __slots__ = ("message",)
    channel = "error"

    def __init__(self, message: str) -> None:
        self.message = message

    @property
    def code(self) -> str:
        return self.message.split(" ", 1)[0]

    def __repr__(self) -> str:
        return f"ExchangeErrorFrame({self.message!r})"


MarketEvent = TickerUpdate | BookUpdate | TradeUpdate | ExchangeErrorFrame


class MarketState:
    """Latest ticker, latest book and the last trades per symbol."""

    def __init__(self, trades_kept: int = 100) -> None:
        if trades_kept < 1:
            raise ValueError(f"trades_kept must be >= 1, got {trades_kept}")
        self.trades_kept = trades_kept
        self.tickers: dict[str, TickerUpdate] = {}
        self.books: dict[str, BookUpdate] = {}
        self.trades: dict[str, deque[TradeUpdate]] = {}

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

    def recent_trades(self, symbol: str) -> list[TradeUpdate]:
        return list(self.trades.get(symbol, ()))


class MarketDecoder:
    """Decodes public frames, updates a MarketState and returns the event; raises MalformedFrame."""

    def __init__(self, state: MarketState | None = None) -> None:
        self.state = state if state is not None else MarketState()
        self.malformed_frames = 0
        self._tickers = self.state.tickers
        self._books = self.state.books
        self._trades = self.state.trades
        self._trades_kept = self.state.trades_kept
        self._handlers: dict[str, Callable[[dict[str, Any]], MarketEvent]] = {
            "ticker": self._ticker,
            "orderbooks": self._book,
            "trades": self._trade,
        }

    def decode(self, frame: bytes | str) -> MarketEvent:
        try:
            raw = _loads(frame)
            return self._handlers[raw["channel"]](raw)
        except (ValueError, TypeError, KeyError, IndexError):
            pass
        # Off the hot path from here: error frames and garbage.
        raw = None
        with contextlib.suppress(ValueError):
            raw = _loads(frame)
        if isinstance(raw, dict) and isinstance(raw.get("error"), str) and "channel" not in raw:
            return ExchangeErrorFrame(raw["error"])
        self.malformed_frames += 1
        preview = frame[:120] if isinstance(frame, str) else frame[:120].decode("utf-8", "replace")
        raise MalformedFrame(f"unusable public frame: {preview!r}")

    def _ticker(self, raw: dict[str, Any]) -> TickerUpdate:
        symbol = raw["symbol"]
        raw["last"], raw["bid"], raw["ask"]
        event = TickerUpdate(symbol, raw)
        self._tickers[symbol] = event
        return event

    def _book(self, raw: dict[str, Any]) -> BookUpdate:
        symbol = raw["symbol"]
        if raw["bids"].__class__ is not list or raw["asks"].__class__ is not list:
            raise TypeError("bids/asks must be lists")
        event = BookUpdate(symbol, raw)
        self._books[symbol] = event
        return event

    def _trade(self, raw: dict[str, Any]) -> TradeUpdate:
        symbol = raw["symbol"]
        raw["price"], raw["size"]
        event = TradeUpdate(symbol, raw)
        trades = self._trades.get(symbol)
        if trades is None:
            trades = self._trades[symbol] = deque(maxlen=self._trades_kept)
        trades.append(event)
        return event
