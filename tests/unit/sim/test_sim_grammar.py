"""GMO's number grammar for request fields, against a plain reference implementation (issue 13 item 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tradingbot.sim.exchange import ExchangeError
from tradingbot.sim.grammar import (
    MAX_NUMBER_CHARS,
    check_integer,
    check_params,
    is_integer,
    is_number,
    parse_decimal,
)

ASCII_DIGITS = "0123456789"


def reference_is_number(text: str) -> bool:
    """The grammar written out by hand: digit runs around at most one '.', nothing else."""
    if not text or len(text) > MAX_NUMBER_CHARS:
        return False
    parts = text.split(".")
    if len(parts) > 2:
        return False
    return all(part and all(ch in ASCII_DIGITS for ch in part) for part in parts)


def reference_is_integer(text: str) -> bool:
    return 0 < len(text) <= MAX_NUMBER_CHARS and all(ch in ASCII_DIGITS for ch in text)


# Characters that look or parse like digits somewhere: fullwidth, Arabic-Indic, Devanagari, superscripts,
# signs, exponents, separators, whitespace, and the Arabic decimal separator.
TRICKY = "0123456789.１２３٠١٢٣۴५²³-+eE_, \t\n\u00a0\u066b"


@given(st.text(alphabet=TRICKY, max_size=12) | st.text(max_size=12))
@example("１２３")
@example("١٢٣")
@example("1e-30")
@example(" 1")
@example("-0")
@example("NaN")
@example("1_000")
@example("1.")
@example(".5")
@example("1.2.3")
def test_number_grammar_matches_the_reference(text: str) -> None:
    assert is_number(text) == reference_is_number(text)
    assert is_integer(text) == reference_is_integer(text)
    if is_number(text):
        # Whatever is accepted is a plain finite non-negative decimal with the same digits.
        value = Decimal(text)
        assert value.is_finite()
        assert value >= 0
        assert text.isascii()


@given(st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False, places=8))
def test_every_plain_decimal_is_accepted(value: Decimal) -> None:
    text = format(value, "f")
    assert is_number(text)
    assert parse_decimal("size", text) == value


@pytest.mark.parametrize(
    "raw",
    [
        "１２３",
        "٠.٠١",
        "0.0１",
        "+1",
        "-0.01",
        "1e3",
        " 0.01",
        "0.01 ",
        "inf",
        "NaN",
        "0x10",
        0.01,
        1,
        True,
        "",
    ],
)
def test_bad_decimal_fields_are_err_5106_naming_the_value(raw: object) -> None:
    with pytest.raises(ExchangeError) as info:
        check_params({"size": raw})
    assert info.value.code == "ERR-5106"
    assert repr(raw) in info.value.detail
    assert "ASCII digits" in info.value.detail


def test_nested_and_integer_fields_are_checked() -> None:
    check_params({"size": "0.01", "price": "15000000", "orderId": 12, "page": "2", "orderIds": [1, "2"]})
    for params in (
        {"settlePosition": [{"positionId": 1, "size": "０.01"}]},
        {"settlePosition": [{"positionId": "１", "size": "0.01"}]},
        {"orderId": "１２"},
        {"orderId": -1},
        {"orderId": True},
        {"orderIds": [1, "٣"]},
        {"count": "1e2"},
        {"losscutPrice": "-1"},
    ):
        with pytest.raises(ExchangeError) as info:
            check_params(params)
        assert info.value.code == "ERR-5106", params


def test_comma_separated_ids_are_integers_each() -> None:
    check_integer("orderId", "1,2,3")
    with pytest.raises(ExchangeError):
        check_integer("orderId", "1,２")
    with pytest.raises(ExchangeError):
        check_integer("orderId", "1,,2")
