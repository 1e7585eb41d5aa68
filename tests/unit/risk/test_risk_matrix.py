from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from tradingbot.risk import (
    REASON_CODES,
    RiskFigures,
    RiskLimits,
    RiskStatus,
    evaluate,
    may_open,
    may_reduce,
    must_flatten,
    permits,
)

LIMITS = RiskLimits(
    max_drawdown=Decimal("0.10"),
    daily_loss_limit=Decimal("50000"),
    max_position_size=Decimal("0.05"),
    max_trade_loss=Decimal("20000"),
    max_leverage=Decimal("2"),
    max_wallet_drift=Decimal("1000"),
)

# (figure field, limit field, expected status, exact reason code) — the seed's table, row by row.
MATRIX = [
    ("current_drawdown", "max_drawdown", RiskStatus.ABORT, "max_drawdown_exceeded"),
    ("current_daily_loss", "daily_loss_limit", RiskStatus.DEGRADED, "daily_loss_limit_exceeded"),
    ("current_position_size", "max_position_size", RiskStatus.DEGRADED, "max_position_size_exceeded"),
    ("current_trade_loss", "max_trade_loss", RiskStatus.ABORT, "max_trade_loss_exceeded"),
    ("current_leverage", "max_leverage", RiskStatus.DEGRADED, "max_leverage_exceeded"),
    ("current_wallet_drift", "max_wallet_drift", RiskStatus.DEGRADED, "wallet_drift_exceeded"),
]
TINY = Decimal("0.00000001")


def _over(limit_field: str) -> Decimal:
    limit: Decimal = getattr(LIMITS, limit_field)
    return limit + TINY


def test_reason_codes_are_the_seeds_in_table_order() -> None:
    assert tuple(row[3] for row in MATRIX) == REASON_CODES


def test_all_zero_is_ok() -> None:
    decision = evaluate(RiskFigures(), LIMITS)
    assert decision.status is RiskStatus.OK
    assert decision.reasons == ()


@pytest.mark.parametrize(("figure", "limit", "status", "reason"), MATRIX)
def test_each_row_fires_alone(figure: str, limit: str, status: RiskStatus, reason: str) -> None:
    decision = evaluate(RiskFigures(**{figure: _over(limit)}), LIMITS)
    assert decision.status is status
    assert decision.reasons == (reason,)


@pytest.mark.parametrize(("figure", "limit", "status", "reason"), MATRIX)
def test_equal_to_limit_is_not_exceeded(figure: str, limit: str, status: RiskStatus, reason: str) -> None:
    decision = evaluate(RiskFigures(**{figure: getattr(LIMITS, limit)}), LIMITS)
    assert decision.status is RiskStatus.OK
    assert reason not in decision.reasons


@pytest.mark.parametrize(("figure", "limit", "status", "reason"), MATRIX)
def test_just_below_limit_is_ok(figure: str, limit: str, status: RiskStatus, reason: str) -> None:
    decision = evaluate(RiskFigures(**{figure: getattr(LIMITS, limit) - TINY}), LIMITS)
    assert decision == evaluate(RiskFigures(), LIMITS)


@pytest.mark.parametrize(("row_a", "row_b"), list(itertools.combinations(MATRIX, 2)))
def test_every_pair_reports_both_and_abort_wins(
    row_a: tuple[str, str, RiskStatus, str], row_b: tuple[str, str, RiskStatus, str]
) -> None:
    figures = RiskFigures(**{row_a[0]: _over(row_a[1]), row_b[0]: _over(row_b[1])})
    decision = evaluate(figures, LIMITS)
    expected = RiskStatus.ABORT if RiskStatus.ABORT in (row_a[2], row_b[2]) else RiskStatus.DEGRADED
    assert decision.status is expected
    assert decision.reasons == (row_a[3], row_b[3])


def test_everything_at_once_is_abort_with_all_reasons() -> None:
    figures = RiskFigures(**{row[0]: _over(row[1]) for row in MATRIX})
    decision = evaluate(figures, LIMITS)
    assert decision.status is RiskStatus.ABORT
    assert decision.reasons == REASON_CODES


@pytest.mark.parametrize(
    ("status", "opens", "reduces", "flattens"),
    [
        (RiskStatus.OK, True, True, False),
        (RiskStatus.DEGRADED, False, True, False),
        (RiskStatus.ABORT, False, False, True),
    ],
)
def test_permissions_by_status(status: RiskStatus, opens: bool, reduces: bool, flattens: bool) -> None:
    assert may_open(status) is opens
    assert may_reduce(status) is reduces
    assert must_flatten(status) is flattens
    # The one gate the trader and replay use is built from the same two answers.
    assert permits(status, reduces=False) is opens
    assert permits(status, reduces=True) is reduces


@pytest.mark.parametrize("field", [row[1] for row in MATRIX])
@pytest.mark.parametrize("bad", ["0", "-1", "NaN", "Infinity"])
def test_limits_must_be_positive_and_finite(field: str, bad: str) -> None:
    with pytest.raises(ValueError, match=field):
        RiskLimits(**{field: Decimal(bad)})
