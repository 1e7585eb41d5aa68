"""The generated CRD: structure, OpenAPI validation (jsonschema) and every CEL rule (cel-python).

Neither validator is the API server; they check the same schema and rules on the same CRs, and the kind
e2e suite checks the real thing.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml
from crd_admission import (
    CEL,
    CRD,
    LIVE_SECRETS,
    SCHEMA,
    VERSION,
    admit,
    apply_defaults,
    cel_errors,
    cr,
)
from tradingbot_operator.crd import CEL_RULES
from tradingbot_operator.spec import TradingBotSpec


def test_crd_identity_and_printer_columns() -> None:
    assert CRD["metadata"]["name"] == "tradingbots.tradingbot.dev"
    names = CRD["spec"]["names"]
    assert (names["kind"], names["plural"], names["shortNames"]) == ("TradingBot", "tradingbots", ["tb"])
    assert CRD["spec"]["scope"] == "Namespaced"
    assert VERSION["name"] == "v1alpha1"
    assert VERSION["subresources"] == {"status": {}}
    columns = [c["name"] for c in VERSION["additionalPrinterColumns"]]
    assert columns == ["Mode", "Symbol", "Phase", "Ready", "Current", "Stable", "Age", "Reason", "Message"]
    wide = {c["name"]: c for c in VERSION["additionalPrinterColumns"] if c.get("priority") == 1}
    assert set(wide) == {"Reason", "Message"}  # only with `kubectl get tb -o wide`
    assert wide["Reason"]["jsonPath"] == '.status.conditions[?(@.type=="Progressing")].reason'
    assert wide["Message"]["jsonPath"] == '.status.conditions[?(@.type=="Progressing")].message'


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
        "progressDeadlineSeconds is too short",
    ),
    (cr(risk={"dailyLossLimit": 0}), "less than or equal to the minimum of 0"),
    (cr(risk={"maxDrawdown": 1.5}), "greater than or equal to the maximum of 1"),
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
    spec = SCHEMA["properties"]["spec"]
    strategy = {"name": "ma_cross", "fastWindow": 20, "slowWindow": 20, "orderSize": 0.01}
    errors = cel_errors(strategy, spec["properties"]["strategy"])
    assert any("slowWindow must be greater" in e for e in errors), errors
    gate = {
        "initialDelaySeconds": 100.0,
        "periodSeconds": 100.0,
        "successThreshold": 10,
        "failureThreshold": 3,
        "progressDeadlineSeconds": 200.0,
    }
    errors = cel_errors(gate, spec["properties"]["healthGate"])
    assert any("progressDeadlineSeconds is too short" in e for e in errors), errors
    # ...and the boundary: 100 + (10 + 5) * 4 = 160 fits a 160 s deadline exactly.
    fits = {**gate, "periodSeconds": 10.0, "successThreshold": 4, "progressDeadlineSeconds": 160.0}
    assert cel_errors(fits, spec["properties"]["healthGate"]) == []
    assert cel_errors({**fits, "progressDeadlineSeconds": 159.9}, spec["properties"]["healthGate"])


def test_every_model_rule_is_in_the_crd() -> None:
    rules = [r["rule"] for _, r in CEL_RULES]
    assert any("slowWindow > self.fastWindow" in r for r in rules)
    assert any("gmoApiSecret" in r for r in rules)
    assert any("progressDeadlineSeconds" in r for r in rules)


def bounded_nodes() -> list[tuple[str, dict[str, Any]]]:
    return [(p, n) for p, n in walk(SCHEMA["properties"]["spec"]) if "minimum" in n or "maximum" in n]


def test_descriptions_state_every_numeric_bound() -> None:
    nodes = bounded_nodes()
    assert len(nodes) >= 14
    for path, node in nodes:
        for bound in ("minimum", "maximum"):
            if bound in node:
                assert f" {node[bound]}" in node["description"], (path, bound, node["description"])
    risk = SCHEMA["properties"]["spec"]["properties"]["risk"]["properties"]
    assert risk["maxDrawdown"]["maximum"] == 1
    assert risk["maxDrawdown"]["exclusiveMaximum"] is True
    assert "0 < x < 1" in risk["maxDrawdown"]["description"]
    assert risk["maxLeverage"]["maximum"] == 2


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
