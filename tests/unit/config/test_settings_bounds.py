"""Risk limits and the order size are bounded by what they mean (issue 14, "Why" cases 2 and 3)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradingbot.bounds import KNOWN_ORDER_RULES, OrderRules, order_size_problem, venue_order_size_problem
from tradingbot.config import ConfigError, load_settings
from tradingbot.venues.gmo.symbols import SymbolRules


def _load(tmp_path: Path, **env: str) -> object:
    return load_settings({"TRADINGBOT_SECRETS_DIR": str(tmp_path / "none"), **env})


def _refused(tmp_path: Path, **env: str) -> str:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, **env)
    return str(info.value)


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [
        # 500 %: a user typing 5 or 10 meaning percent would switch the drawdown abort off.
        ("TRADINGBOT_RISK__MAX_DRAWDOWN", "5", "accepted: 0 < x < 1"),
        ("TRADINGBOT_RISK__MAX_DRAWDOWN", "10", "accepted: 0 < x < 1"),
        ("TRADINGBOT_RISK__MAX_DRAWDOWN", "1", "accepted: 0 < x < 1"),
        ("TRADINGBOT_RISK__MAX_DRAWDOWN", "0", "accepted: 0 < x < 1"),
        ("TRADINGBOT_RISK__MAX_DRAWDOWN", "-1", "accepted: 0 < x < 1"),
        ("TRADINGBOT_RISK__MAX_LEVERAGE", "3", "accepted: 0 < x <= 2"),
        ("TRADINGBOT_RISK__MAX_LEVERAGE", "1e9", "accepted: 0 < x <= 2"),
        ("TRADINGBOT_RISK__MAX_LEVERAGE", "0", "accepted: 0 < x <= 2"),
        ("TRADINGBOT_RISK__DAILY_LOSS_LIMIT", "0", "accepted: 0 < x"),
    ],
)
def test_risk_limit_outside_its_meaning_is_refused(
    tmp_path: Path, name: str, value: str, accepted: str
) -> None:
    message = _refused(tmp_path, **{name: value})
    assert f"{name}={value}" in message or (name in message and value in message), message
    assert accepted in message, message


def test_every_out_of_range_limit_is_reported(tmp_path: Path) -> None:
    message = _refused(tmp_path, TRADINGBOT_RISK__MAX_DRAWDOWN="5", TRADINGBOT_RISK__MAX_LEVERAGE="3")
    assert "TRADINGBOT_RISK__MAX_DRAWDOWN=5" in message
    assert "TRADINGBOT_RISK__MAX_LEVERAGE=3" in message


@pytest.mark.parametrize(("drawdown", "leverage"), [("0.001", "0.001"), ("0.5", "2"), ("0.999", "1")])
def test_limits_inside_their_meaning_are_accepted(tmp_path: Path, drawdown: str, leverage: str) -> None:
    _load(tmp_path, TRADINGBOT_RISK__MAX_DRAWDOWN=drawdown, TRADINGBOT_RISK__MAX_LEVERAGE=leverage)


@pytest.mark.parametrize(
    ("symbol", "size", "why"),
    [
        ("BTC_JPY", "1e12", "above BTC_JPY's maximum order size 5"),
        ("BTC_JPY", "0.001", "below BTC_JPY's minimum order size 0.01"),
        ("BTC_JPY", "0.015", "not a multiple of BTC_JPY's size step 0.01"),
        ("ETH_JPY", "0.01", "below ETH_JPY's minimum order size 0.1"),
    ],
)
def test_order_size_outside_the_symbols_rules_is_refused(
    tmp_path: Path, symbol: str, size: str, why: str
) -> None:
    message = _refused(tmp_path, TRADINGBOT_SYMBOL=symbol, TRADINGBOT_STRATEGY__ORDER_SIZE=size)
    assert f"TRADINGBOT_STRATEGY__ORDER_SIZE={Decimal(size)}" in message
    assert why in message
    assert f"accepted: {KNOWN_ORDER_RULES[symbol].text()}" in message


def test_symbol_without_published_rules_is_left_to_the_start_up_check(tmp_path: Path) -> None:
    _load(tmp_path, TRADINGBOT_SYMBOL="SOL_JPY", TRADINGBOT_STRATEGY__ORDER_SIZE="0.123")


@given(
    size=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100"), places=4),
    step=st.sampled_from([Decimal("0.01"), Decimal("0.1"), Decimal("1")]),
)
def test_order_size_check_agrees_with_the_venues_own_check(size: Decimal, step: Decimal) -> None:
    # Independent reference: SymbolRules.check_size is what the order path enforces before sending.
    rules = SymbolRules("X_JPY", step, step * 500, step, Decimal("1"))
    problem = venue_order_size_problem("X_JPY", size, rules)
    try:
        rules.check_size(size)
        accepted = True
    except ValueError:
        accepted = False
    assert (problem is None) == accepted, (size, step, problem)
    if problem is not None:
        assert "accepted: " + OrderRules(step, step * 500, step).text() in problem


def test_venue_rules_win_at_start_up() -> None:
    served = SymbolRules("BTC_JPY", Decimal("0.1"), Decimal("5"), Decimal("0.1"), Decimal("1"))
    problem = venue_order_size_problem("BTC_JPY", Decimal("0.01"), served)
    assert problem is not None
    assert "the venue's symbol rules" in problem
    assert order_size_problem("BTC_JPY", Decimal("0.2"), KNOWN_ORDER_RULES["BTC_JPY"], "x") is None


def test_order_size_and_live_mode_problems_are_reported_together(tmp_path: Path) -> None:
    message = _refused(tmp_path, TRADINGBOT_STRATEGY__ORDER_SIZE="0.001", TRADINGBOT_MODE="live")
    assert "TRADINGBOT_STRATEGY__ORDER_SIZE=0.001 is below BTC_JPY's minimum order size 0.01" in message
    assert "live mode refused; missing: TRADINGBOT_LIVE_ENABLED=true" in message
