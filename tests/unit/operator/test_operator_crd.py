"""The generated CRD: structure, OpenAPI validation (jsonschema) and every CEL rule (cel-python).

Neither validator is the API server; they check the same schema and rules on the same CRs, and the kind
e2e suite checks the real thing.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import celpy
import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from celpy.adapter import json_to_cel
from tradingbot_operator.crd import CEL_RULES, build_crd
from tradingbot_operator.spec import TradingBotSpec

CRD = build_crd()
VERSION = CRD["spec"]["versions"][0]
SCHEMA = VERSION["schema"]["openAPIV3Schema"]
CEL = celpy.Environment()


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
        result = CEL.program(CEL.compile(rule["rule"])).evaluate(activation)
        if not bool(result):
            errors.append(f"{path}: {rule['message']}")
    if isinstance(new, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in new:
                old_sub = old.get(name) if isinstance(old, dict) else None
                errors += cel_errors(new[name], sub, old_sub, f"{path}.{name}")
    return errors


def admit(cr: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    """What the API server would say: schema errors, then CEL rule messages."""
    cr = apply_defaults(cr, SCHEMA)
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = [f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(cr)]
    if errors:
        return errors
    old_spec = apply_defaults(old, SCHEMA)["spec"] if old else None
    return cel_errors(cr["spec"], SCHEMA["properties"]["spec"], old_spec)


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


def test_crd_identity_and_printer_columns() -> None:
    assert CRD["metadata"]["name"] == "tradingbots.tradingbot.dev"
    names = CRD["spec"]["names"]
    assert (names["kind"], names["plural"], names["shortNames"]) == ("TradingBot", "tradingbots", ["tb"])
    assert CRD["spec"]["scope"] == "Namespaced"
    assert VERSION["name"] == "v1alpha1"
    assert VERSION["subresources"] == {"status": {}}
    columns = [c["name"] for c in VERSION["additionalPrinterColumns"]]
    assert columns == ["Mode", "Symbol", "Phase", "Ready", "Current", "Stable", "Age"]


def walk(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = [(path, schema)]
    for name, sub in schema.get("properties", {}).items():
        found += walk(sub, f"{path}.{name}")
    if "items" in schema:
        found += walk(schema["items"], f"{path}[]")
    return found


def test_schema_is_structural_and_explained() -> None:
    nodes = walk(SCHEMA["properties"]["spec"]) + walk(SCHEMA["properties"]["status"])
    for path, node in nodes:
        assert "type" in node, f"{path} has no type"
        assert not {"anyOf", "oneOf", "allOf", "$ref", "title"} & set(node), f"{path} is not structural"
        if not path.endswith("[]"):  # kubectl explain shows an array's own description
            assert node.get("description"), f"{path} has no description for kubectl explain"


def test_schema_comes_from_the_pydantic_model() -> None:
    spec_props = set(SCHEMA["properties"]["spec"]["properties"])
    assert spec_props == set(TradingBotSpec.model_fields)


def test_cli_prints_the_same_crd() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tradingbot_operator.crd"], check=True, capture_output=True, text=True
    )
    assert yaml.safe_load(out.stdout) == CRD


def test_every_cel_rule_compiles() -> None:
    for _, rule in CEL_RULES:
        CEL.compile(rule["rule"])


GOOD = [
    cr(),
    cr(mode="live", secrets=LIVE_SECRETS),
    cr(symbol="ETH_JPY", risk={"maxDrawdown": 0.2, "dailyLossLimit": 30000}),
    cr(healthGate={"initialDelaySeconds": 0, "periodSeconds": 0.5, "progressDeadlineSeconds": 30}),
    cr(strategy={"fastWindow": 3, "slowWindow": 4, "orderSize": 0.001}),
]


@pytest.mark.parametrize("good", GOOD)
def test_good_crs_are_admitted(good: dict[str, Any]) -> None:
    assert admit(good) == []
    # ...and the operator's own model accepts the defaulted spec too.
    TradingBotSpec.model_validate(apply_defaults(good, SCHEMA)["spec"])


BAD = [
    (cr(mode="live"), "gmoApiKey and spec.secrets.gmoApiSecret are required"),
    (cr(mode="live", secrets={"gmoApiKey": LIVE_SECRETS["gmoApiKey"]}), "required when spec.mode is live"),
    (cr(mode="demo"), "is not one of ['paper', 'live']"),
    (cr(symbol="btc-jpy"), "does not match"),
    (cr(healthGate={"successThreshold": 0}), "less than the minimum of 1"),
    (cr(healthGate={"failureThreshold": -1}), "less than the minimum of 1"),
    (cr(healthGate={"periodSeconds": 0}), "less than or equal to the minimum of 0"),
    (
        cr(healthGate={"initialDelaySeconds": 60, "progressDeadlineSeconds": 30}),
        "progressDeadlineSeconds must be",
    ),
    (cr(risk={"dailyLossLimit": 0}), "less than or equal to the minimum of 0"),
    (cr(risk={"maxDrawdown": 1.5}), "maxDrawdown must be a ratio"),
    (cr(strategy={"fastWindow": 20, "slowWindow": 10}), "slowWindow must be greater"),
    (cr(revisionHistoryLimit=0), "less than the minimum of 1"),
    (cr(secrets={"gmoApiKey": {"name": "Bad_Name", "key": "k"}}), "does not match"),
    (
        {"apiVersion": "tradingbot.dev/v1alpha1", "kind": "TradingBot", "metadata": {}, "spec": {}},
        "'image' is a required",
    ),
]


@pytest.mark.parametrize(("bad", "message"), BAD)
def test_bad_crs_are_refused_naming_the_field(bad: dict[str, Any], message: str) -> None:
    errors = admit(bad)
    assert errors, "expected a refusal"
    assert any(message in e for e in errors), errors


def test_cel_rules_alone_refuse_what_the_schema_lets_through() -> None:
    # Values the OpenAPI part accepts but a CEL rule refuses: the CEL rules are not dead code.
    assert cel_errors(
        typed(
            {
                "maxDrawdown": 1.0,
                "dailyLossLimit": 1,
                "maxPositionSize": 1,
                "maxTradeLoss": 1,
                "maxLeverage": 1,
                "maxWalletDrift": 1,
            },
            {},
        ),
        SCHEMA["properties"]["spec"]["properties"]["risk"],
    )
    risk_rule_schema = SCHEMA["properties"]["spec"]["properties"]["risk"]
    zero = {
        "maxDrawdown": 0.1,
        "dailyLossLimit": 0.0,
        "maxPositionSize": 1.0,
        "maxTradeLoss": 1.0,
        "maxLeverage": 1.0,
        "maxWalletDrift": 1.0,
    }
    assert any("must all be > 0" in e for e in cel_errors(zero, risk_rule_schema))
    gate_schema = SCHEMA["properties"]["spec"]["properties"]["healthGate"]
    gate = {
        "initialDelaySeconds": 0.0,
        "periodSeconds": 0.0,
        "successThreshold": 0,
        "failureThreshold": 1,
        "progressDeadlineSeconds": 1.0,
    }
    assert any("must be positive" in e for e in cel_errors(gate, gate_schema))
    assert cel_errors("btc_jpy", SCHEMA["properties"]["spec"]["properties"]["symbol"])


@pytest.mark.parametrize(
    ("field", "old_value", "new_value"),
    [("symbol", "BTC_JPY", "ETH_JPY"), ("mode", "paper", "live"), ("storageSize", "1Gi", "2Gi")],
)
def test_unsafe_fields_are_immutable(field: str, old_value: str, new_value: str) -> None:
    extra = {"secrets": LIVE_SECRETS}
    old = cr(**{field: old_value}, **extra)
    new = cr(**{field: new_value}, **extra)
    errors = admit(new, old)
    assert any(f"spec.{field} is immutable" in e for e in errors), errors
    assert admit(old, old) == []


def test_image_change_is_allowed_on_update() -> None:
    assert admit(cr(image="x:2"), cr(image="x:1")) == []
