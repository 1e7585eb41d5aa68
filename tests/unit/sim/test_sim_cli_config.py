"""`python -m tradingbot.sim` arguments map onto GMO's tiers, symbols and subscribe pacing."""

from __future__ import annotations

import pytest
from tradingbot.sim.__main__ import config_from, parse_args


def test_defaults_are_gmo_tier_one() -> None:
    config = config_from(parse_args([]))
    assert (config.get_per_second, config.post_per_second) == (20, 20)
    assert config.ws_subscribe_interval == 1.0
    assert config.symbols == ("BTC_JPY", "ETH_JPY")


def test_tier_two_symbols_and_pacing() -> None:
    config = config_from(
        parse_args(["--tier", "2", "--symbols", "BTC_JPY, XRP_JPY", "--ws-subscribe-interval", "0"])
    )
    assert (config.get_per_second, config.post_per_second) == (30, 30)
    assert config.symbols == ("BTC_JPY", "XRP_JPY")
    assert config.ws_subscribe_interval == 0


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--symbols", "DOGE_JPY"], "DOGE_JPY"),
        (["--symbols", ","], "empty"),
        (["--ws-subscribe-interval", "-1"], "--ws-subscribe-interval=-1.0"),
    ],
)
def test_bad_values_name_themselves(argv: list[str], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        config_from(parse_args(argv))


def test_unknown_tier_is_an_argparse_error() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--tier", "3"])
