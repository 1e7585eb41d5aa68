"""metav1.Condition semantics: lastTransitionTime changes only when the status changes."""

from __future__ import annotations

from typing import Any, Literal

ConditionStatus = Literal["True", "False", "Unknown"]
READY = "Ready"
PROGRESSING = "Progressing"
DEGRADED = "Degraded"
SECRETS_READY = "SecretsReady"
ORDER = (READY, PROGRESSING, DEGRADED, SECRETS_READY)


def set_condition(
    conditions: list[dict[str, Any]],
    type_: str,
    status: ConditionStatus,
    reason: str,
    message: str,
    *,
    now: str,
    generation: int,
) -> list[dict[str, Any]]:
    """A new list with one condition set; the others are kept as they are, in a stable order."""
    old = next((c for c in conditions if c.get("type") == type_), None)
    transition = (
        now if old is None or old.get("status") != status else str(old.get("lastTransitionTime", now))
    )
    new = {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
        "observedGeneration": generation,
    }
    others = [c for c in conditions if c.get("type") != type_]
    merged = [*others, new]
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(merged, key=lambda c: rank.get(str(c.get("type")), len(ORDER)))


def get_condition(conditions: list[dict[str, Any]], type_: str) -> dict[str, Any] | None:
    return next((c for c in conditions if c.get("type") == type_), None)


def is_true(conditions: list[dict[str, Any]], type_: str) -> bool:
    found = get_condition(conditions, type_)
    return found is not None and found.get("status") == "True"
