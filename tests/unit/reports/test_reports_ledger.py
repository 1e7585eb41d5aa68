from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradingbot.reports.ledger import Fill, PositionBook, max_drawdown, stats

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def fill(i: int, side: str, settle: str, price: str, loss_gain: str = "0", fee: str = "0") -> Fill:
    return Fill(
        execution_id=i, order_id=100 + i, at=T0 + timedelta(seconds=i), symbol="BTC_JPY", side=side,
        settle_type=settle, size=Decimal("0.01"), price=Decimal(price), loss_gain=Decimal(loss_gain),
        fee=Decimal(fee),
    )  # fmt: skip


def test_max_drawdown_is_the_largest_fall_after_a_peak() -> None:
    assert max_drawdown([Decimal(v) for v in (0, 10, 4, 12, 1, 5)]) == Decimal(11)
    assert max_drawdown([Decimal(v) for v in (1, 2, 3)]) == 0
    assert max_drawdown([Decimal(-5)], start=Decimal(0)) == 5


def test_stats_of_opens_and_closes() -> None:
    fills = [
        fill(1, "BUY", "OPEN", "100", fee="1"),
        fill(2, "SELL", "CLOSE", "110", loss_gain="100", fee="1"),  # net +99: a win
        fill(3, "SELL", "OPEN", "110"),
        fill(4, "BUY", "CLOSE", "130", loss_gain="-200", fee="2"),  # net -202: a loss
        fill(5, "BUY", "OPEN", "130"),
        fill(6, "SELL", "CLOSE", "131", loss_gain="1", fee="1"),  # net 0: neither
    ]
    s = stats(list(reversed(fills)))  # order of the input does not matter
    assert (s.fills, s.trades, s.wins, s.losses) == (6, 3, 1, 1)
    assert s.realised_pnl == Decimal(-99)
    assert s.fees == Decimal(5)
    assert s.net_pnl == Decimal(-104)
    assert s.win_rate == Decimal(1) / Decimal(3)
    # cumulative net: -1, 98, 98, -104, -104, -104 -> the fall from 98 to -104
    assert s.max_drawdown == Decimal(202)
    assert s.to_json()["win_rate"] == "0.3333"


def test_no_closing_trade_has_no_win_rate() -> None:
    s = stats([fill(1, "BUY", "OPEN", "100")])
    assert s.win_rate is None
    assert s.to_json()["win_rate"] is None


def test_position_book_averages_each_side_and_values_it_at_a_mark() -> None:
    book = PositionBook.of([
        fill(1, "BUY", "OPEN", "100"), fill(2, "BUY", "OPEN", "200"), fill(3, "SELL", "OPEN", "300"),
        fill(4, "SELL", "CLOSE", "250"),  # closes one long at the long average (150)
    ])  # fmt: skip
    assert book.long.size == Decimal("0.01")
    assert book.long.average_price == Decimal(150)
    assert book.short.average_price == Decimal(300)
    assert book.net == 0
    # long: (160 - 150) * 0.01; short: (300 - 160) * 0.01
    assert book.unrealised(Decimal(160)) == Decimal("1.50")


def test_a_close_without_a_known_open_leaves_the_side_flat() -> None:
    book = PositionBook.of([fill(1, "BUY", "CLOSE", "100")])
    assert book.short.size == 0
    assert book.short.average_price is None
