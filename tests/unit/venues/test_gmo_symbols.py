from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradingbot.venues.gmo.models import Side
from tradingbot.venues.gmo.symbols import InvalidOrder, SymbolRules

RULES = SymbolRules("BTC_JPY", Decimal("0.01"), Decimal("5"), Decimal("0.01"), Decimal("1"))
ETH = SymbolRules("ETH_JPY", Decimal("0.1"), Decimal("100"), Decimal("0.1"), Decimal("0.5"))

sizes = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=6)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000000"), places=3)


@given(sizes)
def test_round_size_is_down_to_a_step(size: Decimal) -> None:
    for rules in (RULES, ETH):
        rounded = rules.round_size(size)
        assert rounded <= size
        assert size - rounded < rules.size_step
        assert rounded % rules.size_step == 0


@given(prices)
def test_round_price_never_crosses(price: Decimal) -> None:
    for rules in (RULES, ETH):
        buy = rules.round_price(price, Side.BUY)
        sell = rules.round_price(price, Side.SELL)
        assert buy <= price <= sell
        assert price - buy < rules.tick_size
        assert sell - price < rules.tick_size
        assert buy % rules.tick_size == 0
        assert sell % rules.tick_size == 0


def test_examples() -> None:
    assert ETH.round_price(Decimal("1000.3"), "BUY") == Decimal("1000.0")
    assert ETH.round_price(Decimal("1000.3"), "SELL") == Decimal("1000.5")
    assert RULES.round_size(Decimal("0.019")) == Decimal("0.01")
    assert str(RULES.round_size(Decimal("1"))) == "1.00"


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("0.001", "below minOrderSize 0.01"),
        ("6", "above maxOrderSize 5"),
        ("0.015", "not a multiple of sizeStep"),
    ],
)
def test_check_size_names_value_and_rule(size: str, message: str) -> None:
    with pytest.raises(InvalidOrder, match=message) as info:
        RULES.check_size(Decimal(size))
    assert size in str(info.value)
    assert isinstance(info.value, ValueError)


def test_normalise_rejects_what_rounds_to_nothing() -> None:
    with pytest.raises(InvalidOrder, match="below minOrderSize"):
        RULES.normalise(Decimal("0.009"), None, Side.BUY)
    assert RULES.normalise(Decimal("0.129"), Decimal("100.9"), Side.SELL) == (Decimal("0.12"), Decimal("101"))


def test_bad_side_named() -> None:
    with pytest.raises(InvalidOrder, match="'HOLD'"):
        RULES.round_price(Decimal(1), "HOLD")


def test_inconsistent_rules_refused() -> None:
    with pytest.raises(ValueError, match="size_step"):
        SymbolRules("X", Decimal(1), Decimal(2), Decimal(0), Decimal(1))
