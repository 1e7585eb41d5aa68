"""The public-frame hot path: validated typed events straight into typed state, never through dicts.

Every frame is decoded and validated eagerly (the rules are in ``grammar``; the package docstring of
``tradingbot.marketdata`` lists the guarantees). Three paths, each handing what it cannot prove to the next:

1. the compiled scanner (``_wirescan.c``, built with the bot; ``COMPILED`` says whether it is): one C pass
   that checks the grammar, ranges, exact order, symbol and timestamp and builds the event itself;
2. the pure-Python fast path below (the whole fast path where no C compiler was available);
3. ``checked.decode_checked``, the authority, which builds the same event or names the refusal reason.

The pure-Python fast path: msgspec decodes the frame into a small wire Struct (a tagged union on
``channel``; a book's sides stay raw text), then

* ticker and trade numbers are checked with the grammar's regex, then become Decimals;
* a book side is checked in bulk, in C: deleting every digit and ``.`` must leave exactly the canonical
  skeleton ``[{"price":"","size":""},...]`` (msgspec has proven each side valid JSON, so the values hold
  digits and dots only), then the structure is blanked to whitespace and the values parsed as one JSON
  number array, which refuses ``"1."``, ``".5"``, ``"1.2.3"``, leading zeros, and any digit or dot hidden
  in a key (``"pr1ice"`` leaves a stray token next to a value); the numbers give positivity, bounds and
  strict order, bids reversed then asks, in one pass. Floats only ever refuse here: orjson's
  decimal-to-double conversion is correctly rounded, hence monotonic, so a strict float order or a float
  bound implies the exact one; the rare frame floats cannot settle (two prices equal as doubles) goes to
  the checked path.

Anything the fast path does not accept goes to ``checked.decode_checked``, the authority, which either
builds the same event or names the refusal reason. A book's levels become ``BookLevel``s (and Decimals) on
first read, from text already proven to be in the grammar, so no invalid value can appear later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Container, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from operator import lt

import msgspec
import orjson

from tradingbot.marketdata import BookLevel, OrderBook, Ticker, Trade, reasons
from tradingbot.venues.gmo import grammar
from tradingbot.venues.gmo.checked import ExchangeErrorFrame, decode_checked
from tradingbot.venues.gmo.grammar import Refused
from tradingbot.venues.gmo.state import MarketState

try:
    from tradingbot.venues.gmo import _wirescan
except ImportError:  # built without a C compiler: the pure-Python fast path does it all, ~2.5x slower
    _wirescan = None  # type: ignore[assignment]

COMPILED = _wirescan is not None
"""Whether the compiled scanner is in use (the bot logs it at start)."""

log = logging.getLogger(__name__)


class MalformedFrame(ValueError):  # noqa: N818 - a frame, not an error of ours
    """A public frame refused at the boundary; ``reason`` is one of ``MALFORMED_REASONS``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class _TickerWire(msgspec.Struct, tag_field="channel", tag="ticker", gc=False):
    symbol: str
    bid: str
    ask: str
    last: str
    volume: str
    timestamp: datetime


class _BookWire(msgspec.Struct, tag_field="channel", tag="orderbooks", gc=False):
    symbol: str
    asks: msgspec.Raw
    bids: msgspec.Raw
    timestamp: datetime


class _TradeWire(msgspec.Struct, tag_field="channel", tag="trades", gc=False):
    symbol: str
    price: str
    size: str
    side: str
    timestamp: datetime


_wire = msgspec.json.Decoder(_TickerWire | _BookWire | _TradeWire).decode
_numbers = orjson.loads  # measured faster than msgspec's list[float] on the unquoted values; ints stay exact
_are_numbers_2, _are_numbers_4 = grammar.are_numbers_2, grammar.are_numbers_4
_PRICE_CEILING, _SIZE_CEILING = grammar.PRICE_CEILING, grammar.SIZE_CEILING
_FLOAT_PRICE_CEILING, _FLOAT_SIZE_CEILING = float(_PRICE_CEILING), float(_SIZE_CEILING)
_SIDES = grammar.SIDES
_from_validated = OrderBook.from_validated
_DIGITS_AND_DOT = b"0123456789."
_LEVEL = b'{"price":"","size":""}'
_MAX_FAST_LEVELS = 200  # deeper books take the checked path (and the skeleton cache stays bounded)
_SKELETONS = {n: b"[" + b",".join([_LEVEL] * n) + b"]" for n in range(1, _MAX_FAST_LEVELS + 1)}
_LEVEL_STRIDE = len(_LEVEL) + 1  # a side's skeleton is 1 + n * (level + comma) bytes long
_UNQUOTE = bytes.maketrans(b'{}":pricesz', b"           ")
"""Only ever applied to a proven skeleton: its keys' letters, quotes, braces and colons become spaces."""


class CanonicalSide:
    """A side the fast path proved canonical: ``[{"price":"P","size":"S"},...]``, P and S in the grammar."""

    @staticmethod
    def levels(wire: bytes) -> tuple[BookLevel, ...]:
        parts = wire.decode("ascii").split('"')
        return tuple(map(BookLevel, map(Decimal, parts[3::8]), map(Decimal, parts[7::8])))

    @staticmethod
    def best(wire: bytes) -> Decimal:
        # The first price starts right after '[{"price":"' (11 bytes) and ends at the next quote.
        return Decimal(wire[11 : wire.index(b'"', 11)].decode("ascii"))


_CANONICAL_SIDE = CanonicalSide()


class ScannedSide:
    """A side the compiled scanner proved canonical, handed over as ``(side text, best price)``."""

    @staticmethod
    def levels(wire: tuple[bytes, Decimal]) -> tuple[BookLevel, ...]:
        return CanonicalSide.levels(wire[0])

    @staticmethod
    def best(wire: tuple[bytes, Decimal]) -> Decimal:
        return wire[1]


_SCANNED_SIDE = ScannedSide()


class MarketDecoder:
    """Decodes and validates public frames, updates a ``MarketState`` and returns the event.

    ``decode`` raises ``MalformedFrame`` (never anything else) for a refused frame, after counting it and
    calling ``on_malformed(reason)``. ``symbols``: the subscribed symbols; ``None`` (offline replay only)
    accepts any symbol shaped like GMO's. ``compiled=False`` leaves the compiled scanner out (the tests
    check the pure-Python fast path against the checked path with it).
    """

    def __init__(
        self,
        state: MarketState | None = None,
        *,
        symbols: Iterable[str] | None = None,
        on_malformed: Callable[[str], None] | None = None,
        compiled: bool = True,
    ) -> None:
        self.state = state if state is not None else MarketState()
        self.symbols = frozenset(symbols) if symbols is not None else None
        self._symbols: Container[str] = self.symbols if self.symbols is not None else grammar.ANY_GMO_SYMBOL
        self.on_malformed = on_malformed
        self.malformed_frames = 0
        self.malformed_by_reason = dict.fromkeys(reasons.MALFORMED_REASONS, 0)
        self._tickers = self.state.tickers
        self._books = self.state.books
        self._trades = self.state.trades
        self._last_bug_log = float("-inf")
        self._scan = (
            _wirescan.Scanner(self._symbols, Decimal, Ticker, Trade, OrderBook, _SCANNED_SIDE)
            if compiled and _wirescan is not None
            else None
        )

    def decode(self, frame: str | bytes) -> Ticker | OrderBook | Trade | ExchangeErrorFrame:
        try:
            if self._scan is not None:
                scanned = self._scan(frame)
                if scanned is not None:
                    if type(scanned) is OrderBook:
                        self._books[scanned.symbol] = scanned
                    elif type(scanned) is Trade:
                        self._trades[scanned.symbol].append(scanned)
                    elif type(scanned) is Ticker:
                        self._tickers[scanned.symbol] = scanned
                    return scanned
            wire = _wire(frame)
            if wire.__class__ is _BookWire:
                event: Ticker | OrderBook | Trade | None = self._book(wire)
            elif wire.__class__ is _TradeWire:
                event = self._trade(wire)
            else:
                event = self._ticker(wire)
            if event is not None:
                return event
        except (msgspec.DecodeError, orjson.JSONDecodeError, RecursionError):  # Recursion: absurd nesting
            pass
        except Exception:  # a bug of ours must cost this frame only; the checked path decides it
            self._bug("fast decode")
        return self._checked(frame)

    def _bug(self, where: str) -> None:
        # A hostile stream could hit the same bug on every frame: one traceback a minute is enough.
        now = time.monotonic()
        if now - self._last_bug_log >= 60.0:
            self._last_bug_log = now
            log.exception("public frame: %s failed unexpectedly (logged at most once a minute)", where)

    def _checked(self, frame: str | bytes) -> Ticker | OrderBook | Trade | ExchangeErrorFrame:
        try:
            event = decode_checked(frame, self._symbols)
        except Refused as exc:
            self._refuse(exc.reason, exc.detail)
        except Exception as exc:
            self._bug("checked decode")
            self._refuse(reasons.INTERNAL, type(exc).__name__)
        if not isinstance(event, ExchangeErrorFrame):
            self.state.apply(event)
        return event

    def _refuse(self, reason: str, detail: str) -> None:
        self.malformed_frames += 1
        self.malformed_by_reason[reason] += 1
        if self.on_malformed is not None:
            self.on_malformed(reason)
        raise MalformedFrame(reason, detail)

    def _ticker(self, wire: _TickerWire) -> Ticker | None:
        symbol, stamp = wire.symbol, wire.timestamp
        bid_text, ask_text, last_text, volume_text = wire.bid, wire.ask, wire.last, wire.volume
        if (
            stamp.tzinfo is not UTC
            or symbol not in self._symbols
            or not _are_numbers_4(f"{bid_text}|{ask_text}|{last_text}|{volume_text}")
        ):
            return None
        bid, ask, last, volume = (
            Decimal(bid_text),
            Decimal(ask_text),
            Decimal(last_text),
            Decimal(volume_text),
        )
        if not (0 < bid <= ask < _PRICE_CEILING and 0 < last < _PRICE_CEILING and volume < _SIZE_CEILING):
            return None
        event = Ticker(symbol, bid, ask, last, volume, stamp)
        self._tickers[symbol] = event
        return event

    def _trade(self, wire: _TradeWire) -> Trade | None:
        symbol, stamp, side, price_text, size_text = (
            wire.symbol,
            wire.timestamp,
            wire.side,
            wire.price,
            wire.size,
        )
        if (
            stamp.tzinfo is not UTC
            or side not in _SIDES
            or symbol not in self._symbols
            or not _are_numbers_2(f"{price_text}|{size_text}")
        ):
            return None
        price, size = Decimal(price_text), Decimal(size_text)
        if not (0 < price < _PRICE_CEILING and 0 < size < _SIZE_CEILING):
            return None
        event = Trade(symbol, price, size, side, stamp)
        self._trades[symbol].append(event)
        return event

    def _book(self, wire: _BookWire) -> OrderBook | None:
        symbol, stamp = wire.symbol, wire.timestamp
        if stamp.tzinfo is not UTC or symbol not in self._symbols:
            return None
        asks, bids = bytes(wire.asks), bytes(wire.bids)
        # One array of every level, asks then bids. Deleting digits and dots must leave exactly the
        # canonical skeleton: both sides are then arrays of {"price":"…","size":"…"} whose values hold only
        # digits and dots (msgspec has already proven each side valid JSON, so no digit can hide outside a
        # string).
        levels = b"".join((asks[:-1], b",", bids[1:]))
        skeleton = levels.translate(None, _DIGITS_AND_DOT)
        if skeleton != _SKELETONS.get(len(skeleton) // _LEVEL_STRIDE):
            return None
        # Blank the structure (keys, quotes, braces, colons) to JSON whitespace: one JSON array of the
        # values remains, parsed to floats (refusing "1.", ".5", "1.2.3" and leading zeros).
        numbers = _numbers(levels.translate(_UNQUOTE))
        split = 2 * asks.count(b"{")
        ladder = numbers[split::2][::-1] + numbers[0:split:2]  # every price, lowest bid to highest ask
        sizes = numbers[1::2]
        if not (
            split
            and split < len(numbers)
            and ladder[0] > 0
            and ladder[-1] < _FLOAT_PRICE_CEILING
            and min(sizes) > 0
            and max(sizes) < _FLOAT_SIZE_CEILING
            and all(map(lt, ladder, ladder[1:]))
        ):
            return None
        event = _from_validated(symbol, bids, asks, stamp, _CANONICAL_SIDE)
        self._books[symbol] = event
        return event
