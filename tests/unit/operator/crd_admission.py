"""What the API server would say about a TradingBot, from the generated CRD alone.

Not an API server: jsonschema (Draft 4, the OpenAPI v3.0 base) checks the structural schema and
cel-python evaluates every `x-kubernetes-validations` rule, after the steps the API server takes
before validation:
- the request body is JSON (no NaN or infinity);
- a null field that is not nullable is dropped (pruned), then defaults are applied;
- unknown fields are refused (kubectl's default `--validate=strict` field validation);
- `pattern` is matched as Go's RE2 does: `$` only at the very end (Python's also matches before a
  final newline, which would let `image: "x\\n"` through).
The kind e2e suite checks the real API server.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from typing import Any

import celpy
import jsonschema  # type: ignore[import-untyped]
from celpy.adapter import json_to_cel
from pydantic import ValidationError
from tradingbot_operator.crd import build_crd
from tradingbot_operator.spec import TradingBotSpec
from tradingbot_operator.specbase import spec_errors

CRD = build_crd()
VERSION = CRD["spec"]["versions"][0]
SCHEMA: dict[str, Any] = VERSION["schema"]["openAPIV3Schema"]
SPEC_SCHEMA: dict[str, Any] = SCHEMA["properties"]["spec"]
CEL = celpy.Environment()


@functools.cache
def _program(rule: str) -> Any:
    return CEL.program(CEL.compile(rule))


def _re2_pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if not validator.is_type(instance, "string"):
        return
    as_re2 = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
    if re.search(as_re2, instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = jsonschema.validators.extend(jsonschema.Draft4Validator, {"pattern": _re2_pattern})


def prune_nulls(value: Any, schema: dict[str, Any]) -> Any:
    """Drop null fields that are not nullable (the API server does so before defaulting)."""
    if isinstance(value, dict) and schema.get("type") == "object":
        props = schema.get("properties", {})
        out = {}
        for name, sub in value.items():
            sub_schema = props.get(name, schema.get("additionalProperties") or {})
            if sub is None and not sub_schema.get("nullable"):
                continue
            out[name] = prune_nulls(sub, sub_schema)
        return out
    return value


def apply_defaults(value: Any, schema: dict[str, Any]) -> Any:
    """Structural defaulting as the API server does it (before validation)."""
    if isinstance(value, dict) and schema.get("type") == "object":
        out = dict(value)
        for name, sub in schema.get("properties", {}).items():
            if name not in out and "default" in sub:
                out[name] = copy.deepcopy(sub["default"])
            if name in out:
                out[name] = apply_defaults(out[name], sub)
        return out
    return value


def unknown_fields(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    if not isinstance(value, dict) or schema.get("type") != "object":
        return []
    props = schema.get("properties")
    if props is None:
        return []
    errors = [f"{path}.{name}: unknown field {name!r}" for name in value if name not in props]
    for name, sub in value.items():
        if name in props:
            errors += unknown_fields(sub, props[name], f"{path}.{name}")
    return errors


def typed(value: Any, schema: dict[str, Any]) -> Any:
    """JSON numbers of `type: number` are doubles to CEL, as on the API server."""
    if schema.get("type") == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: typed(v, props.get(k, schema.get("additionalProperties") or {})) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v, schema.get("items", {})) for v in value]
    return value


def cel_errors(new: Any, schema: dict[str, Any], old: Any = None, path: str = "spec") -> list[str]:
    """Evaluate every x-kubernetes-validations rule on the CR (transition rules only with an old CR)."""
    errors: list[str] = []
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"] and old is None:
            continue
        activation = {"self": json_to_cel(typed(new, schema))}
        if old is not None:
            activation["oldSelf"] = json_to_cel(typed(old, schema))
        result = _program(rule["rule"]).evaluate(activation)
        if isinstance(result, celpy.CELEvalError):
            errors.append(f"{path}: rule {rule['rule']!r} failed: {result}")
        elif not bool(result):
            errors.append(f"{path}: {rule['message']}")
    if isinstance(new, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in new:
                old_sub = old.get(name) if isinstance(old, dict) else None
                errors += cel_errors(new[name], sub, old_sub, f"{path}.{name}")
    return errors


def decoded(cr: dict[str, Any]) -> dict[str, Any] | None:
    """The CR as the API server decodes it: JSON, nulls pruned; None if it is not JSON at all."""
    try:
        wire = json.loads(json.dumps(cr, allow_nan=False))
    except (ValueError, TypeError):
        return None
    pruned = prune_nulls(wire, SCHEMA)
    assert isinstance(pruned, dict)
    return pruned


def admit(cr: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    """What the API server would say: schema errors, then CEL rule messages ([] = admitted)."""
    body = decoded(cr)
    if body is None:
        return ["request body: not JSON (NaN or infinity)"]
    errors = unknown_fields(body.get("spec"), SPEC_SCHEMA, "spec")
    body = apply_defaults(body, SCHEMA)
    for e in Validator(SCHEMA).iter_errors(body):
        where = ".".join(str(p) for p in e.absolute_path)
        missing = re.match(r"'([^']+)' is a required property", e.message)
        if e.validator == "required" and missing:
            where = f"{where}.{missing.group(1)}"  # the API server names the missing field: spec.image
        errors.append(f"{where}: {e.message}")
    if errors:
        return errors
    old_spec = apply_defaults(decoded(old), SCHEMA)["spec"] if old else None
    return cel_errors(body["spec"], SPEC_SCHEMA, old_spec)


def model_errors(cr: dict[str, Any]) -> list[str]:
    """What the operator's model says about the spec the API server would store ([] = accepted)."""
    body = decoded(cr)
    if body is None:
        return ["request body: not JSON (NaN or infinity)"]
    try:
        TradingBotSpec.model_validate(body.get("spec"))
    except ValidationError as exc:
        return spec_errors(exc)
    return []


def cr(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"image": "ghcr.io/example/tradingbot:1.0"}
    base.update(spec)
    return {
        "apiVersion": "tradingbot.dev/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": "b"},
        "spec": base,
    }


LIVE_SECRETS = {"gmoApiKey": {"name": "gmo", "key": "key"}, "gmoApiSecret": {"name": "gmo", "key": "secret"}}
