"""A read-only view of the GMO client: the only venue type the connectivity drill ever holds.

It exposes reads and the WebSocket access-token calls, nothing else. There is no attribute through which an
order could be placed, changed, cancelled or closed, so code holding a :class:`ReadOnlyVenue` cannot send
one (tests/unit/toolkit checks both this class and the drill module by reading their source).
"""

from __future__ import annotations

from types import TracebackType

from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.models import Asset, ExchangeStatus, Margin, Position, PositionSummary, Ticker
from tradingbot.venues.gmo.rest import GmoRestClient

READ_METHODS = (
    "get_status",
    "get_ticker",
    "get_margin",
    "get_assets",
    "get_open_positions",
    "get_position_summary",
)
TOKEN_METHODS = ("create_ws_token", "extend_ws_token", "delete_ws_token")


class ReadOnlyVenue:
    __slots__ = ("__client", "endpoints")

    def __init__(
        self, endpoints: GmoEndpoints, credentials: Credentials | None, *, timeout: float = 5.0
    ) -> None:
        self.endpoints = endpoints
        # No read retries: the drill reports the first failure with its class instead of hiding it.
        self.__client = GmoRestClient(endpoints, credentials, timeout=timeout, read_retries=0)

    async def __aenter__(self) -> ReadOnlyVenue:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.__client.aclose()

    async def get_status(self) -> ExchangeStatus:
        return await self.__client.get_status()

    async def get_ticker(self, symbol: str) -> Ticker:
        return await self.__client.get_ticker(symbol)

    async def get_margin(self) -> Margin:
        return await self.__client.get_margin()

    async def get_assets(self) -> list[Asset]:
        return await self.__client.get_assets()

    async def get_open_positions(self, symbol: str) -> list[Position]:
        return await self.__client.get_open_positions(symbol)

    async def get_position_summary(self, symbol: str) -> list[PositionSummary]:
        return await self.__client.get_position_summary(symbol)

    async def create_ws_token(self) -> str:
        return await self.__client.create_ws_token()

    async def extend_ws_token(self, token: str) -> None:
        await self.__client.extend_ws_token(token)

    async def delete_ws_token(self, token: str) -> None:
        await self.__client.delete_ws_token(token)
