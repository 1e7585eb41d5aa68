"""The CustomResourceDefinition, generated from the pydantic models (never hand-copied).

`python -m tradingbot_operator.crd` prints it as YAML; `build_crd()` returns it as a dict.
"""

from __future__ import annotations

import copy
import sys
import typing
from typing import Any

import yaml
from pydantic import BaseModel

from tradingbot_operator.spec import (
    GROUP,
    KIND,
    PLURAL,
    SHORT_NAMES,
    SINGULAR,
    VERSION,
    TradingBotSpec,
    TradingBotStatus,
)
from tradingbot_operator.specbase import Rule

CRD_NAME = f"{PLURAL}.{GROUP}"
DESCRIPTION = "A trading bot for one GMO Coin symbol, rolled out behind a health gate."

# Rules that compare with the stored object (`oldSelf`): only the API server can check them, the model
# sees one version of the spec. (JSON path inside the spec schema, rule.)
TRANSITION_RULES: list[tuple[tuple[str, ...], dict[str, str]]] = [
    (
        ("mode",),
        {
            "rule": "self == oldSelf",
            "message": "spec.mode is immutable: paper and live must not share state; create a new TradingBot",
        },
    ),
    (
        ("symbol",),
        {
            "rule": "self == oldSelf",
            "message": "spec.symbol is immutable: positions and state belong to one symbol;"
            " create a new TradingBot",
        },
    ),
    (
        ("storageSize",),
        {
            "rule": "self == oldSelf",
            "message": "spec.storageSize is immutable (StatefulSet volume claim templates cannot change)",
        },
    ),
]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def model_rules(
    model: type[BaseModel] = TradingBotSpec, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], dict[str, str]]]:
    """Every spec.Rule of the model tree, placed at its schema path (the models' own rules, as CEL)."""
    found: list[tuple[tuple[str, ...], dict[str, str]]] = []
    for rule in getattr(model, "RULES", ()):
        assert isinstance(rule, Rule)
        found.append(((*path, rule.field) if rule.field else path, rule.x_validation()))
    for name, field in model.model_fields.items():
        sub = _model_of(field.annotation)
        if sub is not None:
            found += model_rules(sub, (*path, name))
    return found


CEL_RULES: list[tuple[tuple[str, ...], dict[str, str]]] = model_rules() + TRANSITION_RULES

PRINTER_COLUMNS: list[dict[str, Any]] = [
    {"name": "Mode", "type": "string", "jsonPath": ".spec.mode"},
    {"name": "Symbol", "type": "string", "jsonPath": ".spec.symbol"},
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Current", "type": "string", "jsonPath": ".status.currentRevision"},
    {"name": "Stable", "type": "string", "jsonPath": ".status.stableRevision"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    # `kubectl get tb -o wide`: where the rollout stands and why (RollingOut, GatePassed, RolledBack, Paused,
    # Aborted, Promoted, InvalidSpec...): the Progressing condition carries every control's reason.
    {
        "name": "Reason",
        "type": "string",
        "priority": 1,
        "jsonPath": '.status.conditions[?(@.type=="Progressing")].reason',
    },
    {
        "name": "Message",
        "type": "string",
        "priority": 1,
        "jsonPath": '.status.conditions[?(@.type=="Progressing")].message',
    },
]


def _structural(node: Any, defs: dict[str, Any]) -> Any:
    """Pydantic's JSON Schema (2020-12) -> the OpenAPI v3.0 subset Kubernetes calls structural."""
    if isinstance(node, list):
        return [_structural(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        target = copy.deepcopy(defs[node.pop("$ref").rsplit("/", 1)[-1]])
        target.update(node)  # a field's own description wins over the model's
        node = target
    if "allOf" in node and len(node["allOf"]) == 1:
        inner = node.pop("allOf")[0]
        node = {**_structural(inner, defs), **node}
    if "anyOf" in node:
        options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
        if {o.get("type") for o in options} == {"number", "string"}:
            # JsonDecimal: pydantic also lists the string a Decimal accepts in Python; the model refuses
            # strings (spec._json_number) and so does the schema.
            options = [o for o in options if o.get("type") == "number"]
        if len(options) != 1:
            raise ValueError(f"cannot express anyOf {options!r} in a structural schema; use one type")
        node = {**_structural(options[0], defs), **node}
    if "const" in node:
        node["enum"] = [node.pop("const")]
        node.setdefault("type", "string")
    for exclusive, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # JSON Schema 2020-12 numbers -> OpenAPI v3.0's boolean flags.
        if _is_number(node.get(exclusive)):
            node[inclusive] = node.pop(exclusive)
            node[exclusive] = True
    for bound in ("minimum", "maximum"):
        if isinstance(node.get(bound), float) and node[bound].is_integer():
            node[bound] = int(node[bound])
    if node.get("type") in {"number", "integer"} and ("minimum" in node or "maximum" in node):
        node["description"] = f"{node.get('description', '')} Accepted: {_range_text(node)}.".strip()
    for drop in ("title", "$defs", "required_if", "examples"):
        node.pop(drop, None)
    if node.get("additionalProperties") is False:
        node.pop("additionalProperties")
    if node.get("default", "") is None:
        node.pop("default")
    if node.get("type") == "number" and isinstance(node.get("default"), str):
        # Decimal defaults serialise as strings; the API server wants a number.
        node["default"] = float(node["default"])
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _structural(sub, defs) for name, sub in value.items()}
        elif key in {"items", "additionalProperties"}:
            out[key] = _structural(value, defs)
        elif key == "default":
            out[key] = value
        else:
            out[key] = _structural(value, defs) if isinstance(value, dict | list) and key != "enum" else value
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range_text(node: dict[str, Any]) -> str:
    """`0 < x <= 2`: the bounds in the field's description, so `kubectl explain` states them."""
    text = "x"
    if "minimum" in node:
        text = f"{node['minimum']} {'<' if node.get('exclusiveMinimum') else '<='} {text}"
    if "maximum" in node:
        text = f"{text} {'<' if node.get('exclusiveMaximum') else '<='} {node['maximum']}"
    if node.get("type") == "integer":
        text += ", a whole number"
    return text


def _model_schema(model: type[TradingBotSpec] | type[TradingBotStatus]) -> dict[str, Any]:
    raw = model.model_json_schema(mode="validation")
    schema = _structural(raw, raw.get("$defs", {}))
    assert isinstance(schema, dict)
    return schema


def _at(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = schema
    for part in path:
        node = node["properties"][part]
    return node


def spec_schema() -> dict[str, Any]:
    schema = _model_schema(TradingBotSpec)
    schema["description"] = TradingBotSpec.__doc__ or ""
    for prop in schema["properties"].values():
        # An omitted nested object still gets its fields' defaults (the API server only defaults
        # inside objects that exist).
        if prop.get("type") == "object" and "default" not in prop:
            prop["default"] = {}
    for path, rule in CEL_RULES:
        _at(schema, path).setdefault("x-kubernetes-validations", []).append(dict(rule))
    return schema


def _strip_defaults(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_defaults(v) for k, v in node.items() if k != "default"}
    if isinstance(node, list):
        return [_strip_defaults(v) for v in node]
    return node


def status_schema() -> dict[str, Any]:
    # Only the operator writes status; defaults there would only hide missing writes.
    schema = _strip_defaults(_model_schema(TradingBotStatus))
    assert isinstance(schema, dict)
    conditions = schema["properties"]["conditions"]
    conditions["x-kubernetes-list-type"] = "map"
    conditions["x-kubernetes-list-map-keys"] = ["type"]
    schema["properties"]["failedRevisions"]["x-kubernetes-list-type"] = "set"
    return schema


def build_crd() -> dict[str, Any]:
    """The apiextensions.k8s.io/v1 CRD for tradingbots.tradingbot.dev."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME, "labels": {"app.kubernetes.io/part-of": "tradingbot"}},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": PLURAL, "singular": SINGULAR, "kind": KIND, "shortNames": list(SHORT_NAMES)},
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": PRINTER_COLUMNS,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": DESCRIPTION,
                            "required": ["spec"],
                            "properties": {
                                "apiVersion": {"type": "string", "description": "APIVersion of this object."},
                                "kind": {"type": "string", "description": "Kind of this object."},
                                "metadata": {"type": "object"},
                                "spec": spec_schema(),
                                "status": status_schema(),
                            },
                        }
                    },
                }
            ],
        },
    }


def main() -> None:
    yaml.safe_dump(build_crd(), sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
