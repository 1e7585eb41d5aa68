from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tradingbot.engine.reconcile import ExchangeView, Exposure, LocalView, apply_executions, diff
from tradingbot.exchange.ports import ExExecution, ExMargin, ExOrder, ExPosition

NOW = datetime(2026, 11, 27, tzinfo=UTC)
MARGIN0 = ExMargin(Decimal(10), Decimal(10), Decimal(0), Decimal(0))


def _pos(side: str, size: str) -> ExPosition:
    return ExPosition(1, "BTC_JPY", side, Decimal(size), Decimal(100), Decimal(0))


def test_matching_views_have_no_mismatch() -> None:
    order = ExOrder(5, "BTC_JPY", "BUY", "LIMIT", "OPEN", Decimal(1), Decimal(0), Decimal(9), "ORDERED", NOW)
    local = LocalView(frozenset({5}), 0, {"BTC_JPY": Exposure(Decimal("0.02"), Decimal(0))})
    ex = ExchangeView(
        (order,),
        (_pos("BUY", "0.01"), _pos("BUY", "0.01")),
        ExMargin(Decimal(10), Decimal(5), Decimal(5), Decimal(0)),
    )
    assert diff(local, ex, ["BTC_JPY"]) == []


def test_every_kind_of_mismatch_is_reported() -> None:
    order = ExOrder(6, "BTC_JPY", "SELL", "LIMIT", "OPEN", Decimal(1), Decimal(0), Decimal(9), "ORDERED", NOW)
    local = LocalView(frozenset(), 1, {})
    ex = ExchangeView((order,), (_pos("SELL", "0.03"),), MARGIN0)
    kinds = [m.kind for m in diff(local, ex, ["BTC_JPY"])]
    assert kinds == ["unresolved_intent", "unknown_open_order", "position_mismatch"]


def test_margin_in_use_without_positions_is_a_mismatch() -> None:
    local = LocalView(frozenset(), 0, {})
    ex = ExchangeView((), (), ExMargin(Decimal(10), Decimal(5), Decimal(5), Decimal(0)))
    assert [m.kind for m in diff(local, ex, ["BTC_JPY"])] == ["margin_without_position"]


def test_exposure_follows_fills() -> None:
    def ex(side: str, settle: str, size: str) -> ExExecution:
        return ExExecution(
            1, 1, "BTC_JPY", side, settle, Decimal(size), Decimal(1), Decimal(0), Decimal(0), NOW
        )

    got = apply_executions(
        Exposure(),
        [
            ex("BUY", "OPEN", "0.03"),
            ex("SELL", "CLOSE", "0.01"),
            ex("SELL", "OPEN", "0.02"),
            ex("BUY", "CLOSE", "0.005"),
        ],
    )
    assert got == Exposure(Decimal("0.02"), Decimal("0.015"))
    assert got.net == Decimal("0.005")
    assert Exposure.from_json(got.to_json()) == got
