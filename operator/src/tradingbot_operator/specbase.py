"""Building blocks of the TradingBot models (spec.py): strict JSON types and cross-field rules.

A `Rule` is what the OpenAPI subset cannot say: a CEL expression for the CRD (crd.py places it) and a
Python predicate the model checks itself, so the operator refuses what the API server would.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError, model_validator


def _json_number(value: object) -> object:
    # The API server stores JSON numbers; pydantic's lax mode would also take "0.5" or true.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"must be a number, not {type(value).__name__} {value!r}")
    return value


# A Decimal that is a JSON number: crd.py keeps the `number` branch of pydantic's anyOf[number, string].
JsonDecimal = Annotated[Decimal, BeforeValidator(_json_number), Field(allow_inf_nan=False)]
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]


@dataclasses.dataclass(frozen=True)
class Rule:
    """A rule the OpenAPI subset cannot express: `cel` for the API server, `holds` for the model.

    The rule sits on its model's schema node, or on the node of one of its fields (`field`); `self` in
    the CEL expression and the argument of `holds` are that node's value. `message` names the field as
    a kubectl user writes it."""

    cel: str
    message: str
    holds: Callable[[Any], bool]
    field: str | None = None
    field_path: str | None = None
    reason: str | None = None

    def x_validation(self) -> dict[str, str]:
        rule = {"rule": self.cel, "message": self.message}
        if self.field_path:
            rule["fieldPath"] = self.field_path
        if self.reason:
            rule["reason"] = self.reason
        return rule


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    RULES: ClassVar[tuple[Rule, ...]] = ()

    @model_validator(mode="after")
    def _check_rules(self) -> Any:
        for rule in type(self).RULES:
            value = getattr(self, rule.field) if rule.field else self
            if not rule.holds(value):
                raise ValueError(rule.message)
        return self


def spec_errors(exc: ValidationError) -> list[str]:
    """`spec.<field>: <what is wrong>` for each error, in the words the CRD's messages use."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(["spec", *(str(x) for x in err["loc"])])
        out.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return out
