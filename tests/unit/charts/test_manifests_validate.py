"""Every rendered object (both charts, defaults and all-options, and manifests/) passes
kubernetes-validate --strict for a current Kubernetes version; every TradingBot passes the CRD's
OpenAPI schema and CEL rules as the API server would apply them; bad CRs are refused with the CRD's
message."""

from __future__ import annotations

import copy
import pathlib
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from charts_support import CASE_IDS, CASES, K8S_VERSION, REPO, CrdValidator, RenderFn

MANIFEST_FILES = sorted((REPO / "manifests").rglob("*.yaml"))


def kube_validate(obj: dict[str, Any]) -> None:
    kind = obj["kind"]
    if obj["apiVersion"].startswith("tradingbot.dev/"):
        return  # validated against the generated CRD below
    if obj["apiVersion"] == "monitoring.coreos.com/v1":
        # No upstream schema ships for prometheus-operator's CRDs; check the fields the chart sets.
        assert kind == "ServiceMonitor"
        assert set(obj["spec"]) == {"selector", "namespaceSelector", "endpoints"}
        for endpoint in obj["spec"]["endpoints"]:
            assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout", "relabelings"}
            for relabeling in endpoint.get("relabelings", []):  # RelabelConfig: action defaults to replace
                assert set(relabeling) <= {"targetLabel", "replacement", "sourceLabels", "regex", "action"}
                assert isinstance(relabeling["targetLabel"], str)
        return
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def load(path: pathlib.Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.mark.parametrize(("chart", "values_file"), CASES, ids=CASE_IDS)
def test_rendered_objects_validate(
    render: RenderFn, crd_validator: CrdValidator, chart: str, values_file: pathlib.Path | None
) -> None:
    for obj in render(chart, values_file).objects:
        kube_validate(obj)
        if obj["kind"] == "TradingBot":
            assert crd_validator.errors(obj) == []


@pytest.mark.parametrize(
    "path", MANIFEST_FILES, ids=[str(p.relative_to(REPO / "manifests")) for p in MANIFEST_FILES]
)
def test_manifests_validate(crd_validator: CrdValidator, path: pathlib.Path) -> None:
    objs = load(path)
    assert objs, f"{path} is empty"
    for obj in objs:
        kube_validate(obj)
        if obj["kind"] == "TradingBot":
            assert crd_validator.errors(obj) == []
            assert obj["metadata"]["namespace"] == "tradingbot-staging"


def test_manifest_set_is_complete() -> None:
    kinds = {(p.parent.name, o["kind"]) for p in MANIFEST_FILES for o in load(p)}
    assert ("crd", "CustomResourceDefinition") in kinds
    for kind in ("Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"):
        assert ("rbac", kind) in kinds
    assert ("operator", "Deployment") in kinds
    assert ("operator", "Service") in kinds
    examples = {o["spec"]["mode"]: o for p in MANIFEST_FILES for o in load(p) if o["kind"] == "TradingBot"}
    assert set(examples) == {"paper", "live"}
    live = examples["live"]["spec"]["secrets"]
    assert {"gmoApiKey", "gmoApiSecret"} <= set(live)
    assert not [o for p in MANIFEST_FILES for o in load(p) if o["kind"] == "Secret"], (
        "no Secret in manifests/"
    )


def test_all_cel_rules_compile(crd_validator: CrdValidator) -> None:
    import celpy

    found = 0

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            for rule in node.get("x-kubernetes-validations", []):
                env = celpy.Environment()
                env.program(env.compile(rule["rule"]))
                assert rule.get("message"), rule
                found += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(crd_validator.schema)
    assert found >= 5


def _paper() -> dict[str, Any]:
    return load(REPO / "manifests/examples/tradingbot-paper.yaml")[0]


def _live() -> dict[str, Any]:
    return load(REPO / "manifests/examples/tradingbot-live.yaml")[0]


def _with(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    node = out
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return out


@pytest.mark.parametrize(
    ("make_bad", "needle"),
    [
        (
            lambda: _with(_live(), "spec.secrets", None),
            "spec.secrets.gmoApiKey and spec.secrets.gmoApiSecret",
        ),
        (
            lambda: _with(_live(), "spec.secrets.gmoApiSecret", None),
            "spec.secrets.gmoApiKey and spec.secrets.gmoApiSecret",
        ),
        (lambda: _with(_paper(), "spec.risk.maxDrawdown", 1.5), "maxDrawdown"),
        (lambda: _with(_paper(), "spec.risk.dailyLossLimit", 0), "dailyLossLimit"),
        (lambda: _with(_paper(), "spec.healthGate.failureThreshold", 0), "failureThreshold"),
        (lambda: _with(_paper(), "spec.strategy.slowWindow", 3), "slowWindow"),
        (lambda: _with(_paper(), "spec.symbol", "btc-jpy"), "symbol"),
        (lambda: _with(_paper(), "spec.mode", "sandbox"), "mode"),
        (lambda: _with(_paper(), "spec.unknownField", 1), "unknownField"),
        (lambda: _with(_paper(), "spec.image", None), "image"),
    ],
)
def test_bad_crs_are_refused_naming_the_field(
    crd_validator: CrdValidator, make_bad: Any, needle: str
) -> None:
    errors = crd_validator.errors(make_bad())
    assert errors, "the API server would accept this CR"
    assert any(needle in e for e in errors), errors


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        ("spec.symbol", "ETH_JPY", "spec.symbol is immutable"),
        ("spec.mode", "live", "spec.mode is immutable"),
        ("spec.storageSize", "5Gi", "spec.storageSize is immutable"),
    ],
)
def test_immutable_fields_are_refused_on_update(
    crd_validator: CrdValidator, path: str, value: str, needle: str
) -> None:
    old = _paper()
    new = _with(old, path, value)
    if path == "spec.mode":
        new = _with(new, "spec.secrets", _live()["spec"]["secrets"])
    errors = crd_validator.errors(new, old=old)
    assert any(needle in e for e in errors), errors
    assert crd_validator.errors(_with(old, "spec.strategy.fastWindow", 6), old=old) == []


def test_defaults_fill_an_omitted_spec_section(crd_validator: CrdValidator) -> None:
    from charts_support import apply_defaults

    minimal = {
        "apiVersion": "tradingbot.dev/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": "m"},
        "spec": {"image": "tradingbot:0.1.0"},
    }
    assert crd_validator.errors(minimal) == []
    spec = apply_defaults(minimal, crd_validator.schema)["spec"]
    assert spec["mode"] == "paper"
    assert spec["healthGate"]["failureThreshold"] >= 1
