"""metav1.Condition semantics."""

from __future__ import annotations

from typing import Any

from tradingbot_operator.conditions import get_condition, is_true, set_condition


def test_new_condition_gets_the_transition_time() -> None:
    conds = set_condition([], "Ready", "False", "Progressing", "m", now="T1", generation=1)
    assert conds == [
        {
            "type": "Ready",
            "status": "False",
            "reason": "Progressing",
            "message": "m",
            "lastTransitionTime": "T1",
            "observedGeneration": 1,
        }
    ]


def test_transition_time_changes_only_with_the_status() -> None:
    conds = set_condition([], "Ready", "False", "A", "", now="T1", generation=1)
    conds = set_condition(conds, "Ready", "False", "B", "other", now="T2", generation=2)
    assert get_condition(conds, "Ready")["lastTransitionTime"] == "T1"  # type: ignore[index]
    assert get_condition(conds, "Ready")["reason"] == "B"  # type: ignore[index]
    conds = set_condition(conds, "Ready", "True", "C", "", now="T3", generation=2)
    assert get_condition(conds, "Ready")["lastTransitionTime"] == "T3"  # type: ignore[index]
    assert is_true(conds, "Ready")


def test_setting_the_same_condition_is_idempotent() -> None:
    conds = set_condition([], "Degraded", "False", "Stable", "x", now="T1", generation=1)
    assert set_condition(conds, "Degraded", "False", "Stable", "x", now="T9", generation=1) == conds


def test_conditions_keep_a_stable_order() -> None:
    conds: list[dict[str, Any]] = []
    for type_ in ("SecretsReady", "Degraded", "Ready", "Progressing"):
        conds = set_condition(conds, type_, "True", "R", "", now="T", generation=1)
    assert [c["type"] for c in conds] == ["Ready", "Progressing", "Degraded", "SecretsReady"]
