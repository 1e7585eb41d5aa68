"""Every route sees GMO's number grammar first: property test through the simulator's route tables."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tradingbot.sim import PAPER_API_KEY, SimConfig, Simulator
from tradingbot.sim.exchange import ExchangeError
from tradingbot.sim.grammar import is_number

SIM = Simulator(SimConfig(tick_interval=0))
ROUTES = SIM._server.private_routes
TRICKY = "0123456789.１２３٠١٢٣۴५²-+eE \t\u066b"


@settings(max_examples=300)
@given(
    st.sampled_from(["size", "price"]),
    st.text(alphabet=TRICKY, min_size=0, max_size=10) | st.text(max_size=6),
)
def test_order_numbers_outside_the_grammar_never_reach_the_exchange(field: str, text: str) -> None:
    params = {"symbol": "BTC_JPY", "side": "BUY", "executionType": "LIMIT", "price": "1000", "size": "0.01"}
    params[field] = text
    before = len(SIM.exchange.orders)
    try:
        ROUTES[("POST", "/v1/order")](PAPER_API_KEY, params)
    except ExchangeError as exc:
        if not is_number(text):
            assert exc.code == "ERR-5106"
            assert repr(text) in exc.detail
        assert len(SIM.exchange.orders) == before
        return
    # Accepted: only a value in the grammar, and then the order carries exactly that number.
    assert is_number(text)
    order = SIM.exchange.orders[max(SIM.exchange.orders)]
    assert (order.size if field == "size" else order.price) == Decimal(text)
    SIM.exchange.cancel_bulk(PAPER_API_KEY, ["BTC_JPY"], None, None)


def test_every_private_and_public_route_is_guarded() -> None:
    bad = {"orderId": "１", "positionId": "١", "size": "1e2", "price": "+1", "page": "٢", "symbol": "BTC_JPY"}
    for route, handler in ROUTES.items():
        try:
            handler(PAPER_API_KEY, bad)
        except ExchangeError as exc:
            assert (exc.code, "ASCII digits" in exc.detail) == ("ERR-5106", True), (route, exc.detail)
        else:
            raise AssertionError(f"{route} accepted {bad}")
    for path, public in SIM._server.public_routes.items():
        try:
            public(bad)
        except ExchangeError as exc:
            assert (exc.code, "ASCII digits" in exc.detail) == ("ERR-5106", True), (path, exc.detail)
        else:
            raise AssertionError(f"{path} accepted {bad}")
