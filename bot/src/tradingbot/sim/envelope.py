"""GMO's request parameters and response envelope, shared by the simulator's route groups."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tradingbot.sim.ledger import ExchangeError, PrivateEvent
from tradingbot.sim.wire import error, ok

if TYPE_CHECKING:
    from tradingbot.sim.simulator import Simulator

JSON = "application/json"
CREATES = frozenset({"/v1/order", "/v1/closeOrder", "/v1/closeBulkOrder"})
PUBLIC_CHANNELS = ("ticker", "orderbooks", "trades")
PRIVATE_CHANNELS = ("executionEvents", "orderEvents", "positionEvents", "positionSummaryEvents")

Params = Mapping[str, Any]
Result = tuple[Any, list[PrivateEvent]]


class BadRequestError(ExchangeError):
    def __init__(self, detail: str) -> None:
        super().__init__("ERR-5106", detail)


# ------------------------------------------------------------------ parameter parsing
def _text(params: Params, name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise BadRequestError(f"{name} is required")
        return None
    if not isinstance(value, str) or not value:
        raise BadRequestError(f"{name}={value!r} must be a non-empty string")
    return value


def _decimal(params: Params, name: str, *, required: bool = True) -> Decimal | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise BadRequestError(f"{name} is required")
        return None
    # GMO numbers travel as strings; a JSON number here is a client bug worth surfacing.
    if not isinstance(raw, str):
        raise BadRequestError(f'{name}={raw!r} must be a decimal string such as "0.01"')
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadRequestError(f"{name}={raw!r} is not a decimal number") from None
    if not value.is_finite():
        raise BadRequestError(f"{name}={raw!r} is not a finite number")
    return value


def _int(raw: Any, name: str) -> int:
    if isinstance(raw, bool):
        raise BadRequestError(f"{name}={raw!r} must be an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    raise BadRequestError(f"{name}={raw!r} must be an integer")


def _ids(params: Params, name: str) -> list[int]:
    raw = _text(params, name)
    assert raw is not None
    return [_int(part.strip(), name) for part in raw.split(",")]


def _limit_terms(params: Params) -> tuple[Decimal | None, str | None]:
    """price and timeInForce of an order entry (both optional)."""
    return _decimal(params, "price", required=False), _text(params, "timeInForce", required=False)


def _page(params: Params) -> tuple[int, int]:
    page = _int(params.get("page", "1"), "page")
    count = _int(params.get("count", "100"), "count")
    if page < 1 or not 1 <= count <= 100:
        raise BadRequestError(f"page={page} count={count}; page >= 1 and 1 <= count <= 100")
    return page, count


def _paginated(
    items: list[dict[str, Any]], params: Params, *, empty_as_object: bool = True
) -> dict[str, Any]:
    page, count = _page(params)
    chunk = items[(page - 1) * count : page * count]
    if not chunk and empty_as_object:
        return {}  # GMO answers "data": {} when a list would be empty
    return {"pagination": {"currentPage": page, "count": count}, "list": chunk}


class RouteBase:
    """The envelope helpers every route group uses."""

    sim: Simulator

    def _json(self, body: bytes, status: int = 200) -> web.Response:
        return web.Response(body=body, status=status, content_type=JSON)

    def _ok(self, data: Any) -> web.Response:
        return self._json(ok(data, self.sim.now()))

    def _err(self, code: str, detail: str | None = None, status: int = 200) -> web.Response:
        return self._json(error(code, self.sim.now(), detail), status)

    def _market(self, params: Params) -> str:
        symbol = _text(params, "symbol")
        assert symbol is not None
        if symbol not in self.sim.exchange.markets:
            raise BadRequestError(f"symbol={symbol!r}; served: {sorted(self.sim.exchange.markets)}")
        return symbol
