"""Gate analysis verdicts from Prometheus answers (pure)."""

from __future__ import annotations

from typing import Any

from tradingbot_operator.analysis import ANNOTATION, judge, query_for, render_query


def vector(*values: str) -> dict[str, Any]:
    result = [{"metric": {"__name__": "x", "pod": f"p{i}"}, "value": [0, v]} for i, v in enumerate(values)]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def test_empty_or_zero_holds() -> None:
    assert judge(vector()).holds
    assert judge(vector("0", "0.0")).holds
    assert judge({"status": "success", "data": {"resultType": "scalar", "result": [0, "0"]}}).holds


def test_any_nonzero_or_nan_sample_fails_naming_it() -> None:
    verdict = judge(vector("0", "2"))
    assert not verdict.holds
    assert "{pod=p1}=2" in verdict.detail
    assert not judge(vector("NaN")).holds


def test_errors_and_odd_answers_fail() -> None:
    assert not judge({"status": "error", "error": "parse error"}).holds
    assert "parse error" in judge({"status": "error", "error": "parse error"}).detail
    assert not judge([1, 2]).holds
    assert not judge({"status": "success", "data": {"resultType": "matrix", "result": []}}).holds
    assert not judge(vector("abc")).holds


def test_query_choice_and_fields() -> None:
    assert query_for(None, "") is None
    assert query_for(None, "up == 0") == "up == 0"
    assert query_for({ANNOTATION: "none"}, "up == 0") is None
    assert query_for({ANNOTATION: "x > 0"}, "") == "x > 0"
    q = render_query('x{pod="{pod}",ns="{namespace}"} > 0', pod="bot1-0", namespace="s", name="bot1")
    assert q == 'x{pod="bot1-0",ns="s"} > 0'
