"""Types of the compiled scanner (``_wirescan.c``); see that file for what it proves before it accepts."""

from collections.abc import Container
from decimal import Decimal

from tradingbot.marketdata import OrderBook, Ticker, Trade
from tradingbot.marketdata.events import SideCodec

class Scanner:
    def __init__(
        self,
        symbols: Container[str],
        decimal: type[Decimal],
        ticker: type[Ticker],
        trade: type[Trade],
        orderbook: type[OrderBook],
        codec: SideCodec,
        /,
    ) -> None: ...
    def __call__(self, frame: object, /) -> Ticker | OrderBook | Trade | None: ...
