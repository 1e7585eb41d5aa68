"""Helpers for the chart and manifest checks: helm rendering, and a CRD validator that does what the
API server does with a custom resource (structural defaulting, OpenAPI schema, CEL rules) offline.

The CEL evaluation uses cel-python; Kubernetes evaluates the same rules with cel-go. Numbers follow the
Kubernetes mapping (schema `number` -> CEL double, `integer` -> int), so `self.x > 0.0` behaves the same.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import pathlib
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import celpy
import jsonschema  # type: ignore[import-untyped]
import yaml
from celpy import celtypes

REPO = pathlib.Path(__file__).resolve().parents[3]
CHARTS = ("tradingbot-operator", "tradingbot")
# The Kubernetes version every rendered object is validated against (kubernetes-validate ships it).
K8S_VERSION = "1.35.0"


def helm_path() -> str | None:
    configured = os.environ.get("HELM")
    if configured:
        return configured
    local = REPO / ".cache" / "bin" / "helm"
    if local.is_file():
        return str(local)
    return shutil.which("helm")


def values_files(chart: str) -> list[pathlib.Path | None]:
    """None is the chart's defaults; then every file under charts/<chart>/ci/."""
    return [None, *sorted((REPO / "charts" / chart / "ci").glob("*.yaml"))]


CASES = [(chart, vf) for chart in CHARTS for vf in values_files(chart)]
CASE_IDS = [f"{chart}-{'defaults' if vf is None else vf.stem}" for chart, vf in CASES]


def run_helm(helm: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm, *args], capture_output=True, text=True, check=False, timeout=60)


@functools.cache
def render_cached(helm: str, chart: str, values: str | None, extra: tuple[str, ...]) -> tuple[int, str, str]:
    args = ["template", "rel", str(REPO / "charts" / chart), "--namespace", "tb-test"]
    if values is not None:
        args += ["-f", values]
    proc = run_helm(helm, *args, *extra)
    return proc.returncode, proc.stdout, proc.stderr


@dataclasses.dataclass(frozen=True)
class Rendered:
    returncode: int
    stdout: str
    stderr: str

    @property
    def objects(self) -> list[dict[str, Any]]:
        assert self.returncode == 0, self.stderr
        return [doc for doc in yaml.safe_load_all(self.stdout) if doc]

    def by_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def one(self, kind: str) -> dict[str, Any]:
        found = self.by_kind(kind)
        assert len(found) == 1, f"expected one {kind}, got {[o['metadata']['name'] for o in found]}"
        return found[0]


RenderFn = Callable[..., Rendered]


# --- the CRD, as the API server would apply it -----------------------------------------------------


def _strict(schema: Any) -> Any:
    """Unknown fields are errors (kubectl's default strict field validation), except under metadata."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    closed = "additionalProperties" in out or out.get("x-kubernetes-preserve-unknown-fields")
    if out.get("type") == "object" and "properties" in out and not closed:
        out["additionalProperties"] = False
    return out


def apply_defaults(value: Any, schema: dict[str, Any]) -> Any:
    """Structural defaulting: a missing property with a default gets it, recursively (nested defaults
    apply inside a defaulted object too)."""
    if isinstance(value, dict) and schema.get("type") == "object":
        out = dict(value)
        for name, sub in schema.get("properties", {}).items():
            if name not in out and "default" in sub:
                out[name] = copy.deepcopy(sub["default"])
            if name in out:
                out[name] = apply_defaults(out[name], sub)
        return out
    if isinstance(value, list) and "items" in schema:
        return [apply_defaults(v, schema["items"]) for v in value]
    return value


def to_cel(value: Any, schema: dict[str, Any]) -> Any:
    """A JSON value as the CEL value Kubernetes builds for it from its schema type."""
    kind = schema.get("type")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return celtypes.MapType(
            {
                celtypes.StringType(k): to_cel(v, props.get(k) or (extra if isinstance(extra, dict) else {}))
                for k, v in value.items()
            }
        )
    if isinstance(value, list):
        return celtypes.ListType([to_cel(v, schema.get("items", {})) for v in value])
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int | float) and kind == "number":
        return celtypes.DoubleType(float(value))
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, float):
        return celtypes.DoubleType(value)
    if value is None:
        return None
    return celtypes.StringType(str(value))


@dataclasses.dataclass(frozen=True)
class CelViolation:
    path: str
    rule: str
    message: str


def _walk_rules(
    schema: dict[str, Any], value: Any, old: Any, path: str
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any], Any, Any]]:
    for rule in schema.get("x-kubernetes-validations", []):
        yield path, rule, schema, value, old
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                child_old = old.get(name) if isinstance(old, dict) else None
                yield from _walk_rules(sub, value[name], child_old, f"{path}.{name}")


@functools.cache
def _program(rule: str) -> Any:
    env = celpy.Environment()
    return env.program(env.compile(rule))


def cel_violations(
    schema: dict[str, Any], obj: dict[str, Any], old: dict[str, Any] | None = None
) -> list[CelViolation]:
    """Every x-kubernetes-validations rule that fails on obj (transition rules only when old is given
    and has the field, as on the API server)."""
    found: list[CelViolation] = []
    for path, rule, node_schema, value, old_value in _walk_rules(schema, obj, old, ""):
        uses_old = "oldSelf" in rule["rule"]
        if uses_old and old_value is None:
            continue
        activation = {"self": to_cel(value, node_schema)}
        if uses_old:
            activation["oldSelf"] = to_cel(old_value, node_schema)
        result = _program(rule["rule"]).evaluate(activation)
        if isinstance(result, Exception) or not bool(result):
            found.append(CelViolation(path or ".", rule["rule"], rule.get("message", rule["rule"])))
    return found


@dataclasses.dataclass(frozen=True)
class CrdValidator:
    crd: dict[str, Any]

    @property
    def schema(self) -> dict[str, Any]:
        versions = self.crd["spec"]["versions"]
        assert len(versions) == 1
        schema: dict[str, Any] = versions[0]["schema"]["openAPIV3Schema"]
        return schema

    def errors(self, obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
        """What the API server would refuse obj for: schema errors, then CEL messages."""
        names = self.crd["spec"]["names"]
        group = self.crd["spec"]["group"]
        version = self.crd["spec"]["versions"][0]["name"]
        if obj.get("apiVersion") != f"{group}/{version}" or obj.get("kind") != names["kind"]:
            return [f"not a {names['kind']}: {obj.get('apiVersion')}/{obj.get('kind')}"]
        defaulted = apply_defaults(obj, self.schema)
        validator = jsonschema.Draft4Validator(_strict(self.schema))
        problems = [
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(defaulted)
        ]
        if problems:
            return problems
        old_defaulted = None if old is None else apply_defaults(old, self.schema)
        return [v.message for v in cel_violations(self.schema, defaulted, old_defaulted)]
