"""Every route sees GMO's number grammar first: property test through the simulator's route tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tradingbot.sim import PAPER_API_KEY, SimConfig, Simulator
from tradingbot.sim.exchange import ExchangeError
from tradingbot.sim.grammar import is_number

SIM = Simulator(SimConfig(tick_interval=0))
ROUTES = SIM._server.private_routes
TRICKY = "0123456789.１２３٠١٢٣۴५²-+eE \t\u066b"


def _place(params: dict[str, Any]) -> None:
    ROUTES[("POST", "/v1/order")](PAPER_API_KEY, params)


@settings(max_examples=300)
@given(
    st.sampled_from(["size", "price"]),
    st.text(alphabet=TRICKY, min_size=0, max_size=10) | st.text(max_size=6),
)
def test_order_numbers_outside_the_grammar_never_reach_the_exchange(field: str, text: str) -> None:
    params = {"symbol": "BTC_JPY", "side": "BUY", "executionType": "LIMIT", "price": "1000", "size": "0.01"}
    params[field] = text
    before = len(SIM.exchange.orders)
    if not is_number(text):
        with pytest.raises(ExchangeError) as info:
            _place(params)
        assert info.value.code == "ERR-5106"
        assert repr(text) in info.value.detail
        assert len(SIM.exchange.orders) == before
        return
    try:
        _place(params)
    except ExchangeError:
        # In the grammar but refused on its merits (size step, margin, tick): nothing was placed.
        assert len(SIM.exchange.orders) == before
        return
    order = SIM.exchange.orders[max(SIM.exchange.orders)]
    assert (order.size if field == "size" else order.price) == Decimal(text)
    SIM.exchange.cancel_bulk(PAPER_API_KEY, ["BTC_JPY"], None, None)


BAD = {"orderId": "１", "positionId": "١", "size": "1e2", "price": "+1", "page": "٢", "symbol": "BTC_JPY"}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_private_route_is_guarded(route: tuple[str, str]) -> None:
    with pytest.raises(ExchangeError, match="ASCII digits") as info:
        ROUTES[route](PAPER_API_KEY, BAD)
    assert info.value.code == "ERR-5106"


@pytest.mark.parametrize("path", sorted(SIM._server.public_routes))
def test_every_public_route_is_guarded(path: str) -> None:
    with pytest.raises(ExchangeError, match="ASCII digits") as info:
        SIM._server.public_routes[path](BAD)
    assert info.value.code == "ERR-5106"
