from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tradingbot.strategy import Decision, MaCrossParams, MaCrossStrategy, MarketView, rebalance

NOW = datetime(2026, 11, 27, tzinfo=UTC)
P = MaCrossParams(fast_window=2, slow_window=3, order_size=Decimal("0.01"), max_inventory=Decimal("0.01"))


def _feed(s: MaCrossStrategy, prices: list[int], long: str = "0", short: str = "0") -> list[list[Decision]]:
    return [s.on_price(MarketView("BTC_JPY", Decimal(p), NOW, Decimal(long), Decimal(short))) for p in prices]


def test_no_decision_until_window_full_and_cross() -> None:
    s = MaCrossStrategy(P)
    out = _feed(s, [100, 100, 100, 100])
    assert out == [[], [], [], []]


def test_cross_up_opens_long_and_cross_down_flips() -> None:
    s = MaCrossStrategy(P)
    out = _feed(s, [100, 100, 100, 200])
    assert out[-1] == [Decision("BTC_JPY", "BUY", Decimal("0.01"), "open", out[-1][0].reason)]
    assert _feed(s, [300]) == [[]]  # same side: no repeat
    down = _feed(s, [10], long="0.01")[0]
    assert [(d.side, d.action, d.size) for d in down] == [
        ("SELL", "close", Decimal("0.01")),
        ("SELL", "open", Decimal("0.01")),
    ]


def test_inventory_limit_clips_the_target() -> None:
    s = MaCrossStrategy(MaCrossParams(2, 3, Decimal("0.05"), Decimal("0.02")))
    out = _feed(s, [100, 100, 100, 200])
    assert [(d.side, d.size) for d in out[-1]] == [("BUY", Decimal("0.02"))]
    zero = MaCrossStrategy(MaCrossParams(2, 3, Decimal("0.05"), Decimal("0")))
    assert _feed(zero, [100, 100, 100, 200])[-1] == []


def test_rebalance_reduces_before_it_opens() -> None:
    view = MarketView("BTC_JPY", Decimal(1), NOW, Decimal("0.03"), Decimal("0.01"))
    got = rebalance(view, Decimal("0.02"), reason="r")
    assert [(d.side, d.action, d.size) for d in got] == [
        ("BUY", "close", Decimal("0.01")),
        ("SELL", "close", Decimal("0.01")),
    ]


@pytest.mark.parametrize(("fast", "slow"), [(3, 3), (0, 2), (5, 2)])
def test_bad_windows_are_refused(fast: int, slow: int) -> None:
    with pytest.raises(ValueError, match=f"fast={fast} slow={slow}"):
        MaCrossParams(fast, slow, Decimal(1), Decimal(1))
