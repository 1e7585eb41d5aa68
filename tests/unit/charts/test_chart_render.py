"""helm lint --strict and helm template of both charts, for the defaults and every ci/ values file, plus
what the templates must guarantee (one operator replica, non-root, read-only root fs, no secret values)."""

from __future__ import annotations

import base64
import pathlib
from typing import Any

import pytest
import yaml
from charts_support import CASE_IDS, CASES, REPO, RenderFn, run_helm


@pytest.mark.parametrize(("chart", "values_file"), CASES, ids=CASE_IDS)
def test_helm_lint_strict(helm: str, chart: str, values_file: pathlib.Path | None) -> None:
    args = ["lint", "--strict", str(REPO / "charts" / chart)]
    if values_file is not None:
        args += ["-f", str(values_file)]
    proc = run_helm(helm, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[WARNING]" not in proc.stdout, proc.stdout


@pytest.mark.parametrize(("chart", "values_file"), CASES, ids=CASE_IDS)
def test_helm_template_renders_labelled_objects(
    render: RenderFn, chart: str, values_file: pathlib.Path | None
) -> None:
    objects = render(chart, values_file).objects
    assert objects
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "tradingbot", obj["metadata"]["name"]
        assert labels.get("app.kubernetes.io/managed-by") == "Helm"
        if obj["kind"] != "CustomResourceDefinition" and not obj["kind"].startswith("Cluster"):
            assert obj["metadata"]["namespace"] in {"tb-test", "tradingbot-staging"}


def test_every_value_is_documented_and_typed() -> None:
    """Each leaf key of values.yaml has a comment above it and a place in values.schema.json."""
    import json

    for chart in ("tradingbot-operator", "tradingbot"):
        root = REPO / "charts" / chart
        values = yaml.safe_load((root / "values.yaml").read_text())
        schema = json.loads((root / "values.schema.json").read_text())
        assert schema.get("additionalProperties") is False

        pending: list[tuple[dict[str, Any], dict[str, Any], str]] = [(values, schema, "")]
        while pending:
            node, sch, path = pending.pop()
            for key, value in node.items():
                props = sch.get("properties", {})
                assert key in props, f"{chart}: {path}{key} is not in values.schema.json"
                sub = props[key]
                if "$ref" in sub:
                    sub = schema["definitions"][sub["$ref"].rsplit("/", 1)[-1]]
                if isinstance(value, dict) and "properties" in sub:
                    pending.append((value, sub, f"{path}{key}."))
        # A leaf key is documented by a comment right above it or above one of its parent keys.
        lines = (root / "values.yaml").read_text().splitlines()
        stack: list[tuple[int, bool]] = []  # (indent, documented) of the open parent keys
        for i, line in enumerate(lines):
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", "-")) or ":" not in stripped:
                continue
            indent = len(line) - len(line.lstrip())
            while stack and stack[-1][0] >= indent:
                stack.pop()
            documented = (i > 0 and lines[i - 1].strip().startswith("#")) or any(d for _, d in stack)
            if stripped.endswith(":"):
                stack.append((indent, documented))
            else:
                assert documented, f"{chart}: values.yaml line {i + 1} ({stripped}) has no comment"


@pytest.mark.parametrize(
    ("chart", "bad", "needle"),
    [
        ("tradingbot-operator", ["--set", "unknownKey=1"], "unknownKey"),
        (
            "tradingbot-operator",
            ["--set", "securityContext.readOnlyRootFilesystem=false"],
            "readOnlyRootFilesystem",
        ),
        ("tradingbot-operator", ["--set", "podSecurityContext.runAsNonRoot=false"], "runAsNonRoot"),
        ("tradingbot-operator", ["--set", "watchNamespace=Not_A_Namespace"], "watchNamespace"),
        ("tradingbot", ["--set", "mode=sandbox"], "mode"),
        ("tradingbot", ["--set", "symbol=btcjpy"], "symbol"),
        ("tradingbot", ["--set", "risk.maxDrawdown=1.5"], "maxDrawdown"),
        ("tradingbot", ["--set", "healthGate.failureThreshold=0"], "failureThreshold"),
        # The spec's fields of values.schema.json come from the CRD (scripts/gen_manifests.py).
        ("tradingbot", ["--set", "risk.maxLeverage=3"], "maxLeverage"),
        ("tradingbot", ["--set", "strategy.orderSize=1000000000000"], "orderSize"),
        ("tradingbot", ["--set", "storageSize=0Gi"], "storageSize"),
        ("tradingbot", ["--set", "resources.requests.cpu=lots"], "cpu"),
        ("tradingbot", ["--set", "resources.requests.bananas=3"], "bananas"),
        ("tradingbot", ["--set", "secrets.existing.gmoApiKey.name=a..b"], "name"),
        ("tradingbot", ["--set", "secrets.existing.gmoApiKey.key=.."], "key"),
    ],
)
def test_values_schema_refuses_bad_values(render: RenderFn, chart: str, bad: list[str], needle: str) -> None:
    result = render(chart, None, *bad)
    assert result.returncode != 0
    assert needle in result.stderr


def test_live_mode_needs_both_api_secrets_and_confirmation(render: RenderFn) -> None:
    no_secrets = render("tradingbot", None, "--set", "mode=live", "--set", "liveConfirmed=true")
    assert no_secrets.returncode != 0
    assert "gmoApiKey and gmoApiSecret" in no_secrets.stderr
    refs = ["--set", "secrets.existing.gmoApiKey.name=gmo", "--set", "secrets.existing.gmoApiSecret.name=gmo"]
    unconfirmed = render("tradingbot", None, "--set", "mode=live", *refs)
    assert unconfirmed.returncode != 0
    assert "liveConfirmed" in unconfirmed.stderr
    ok = render("tradingbot", None, "--set", "mode=live", "--set", "liveConfirmed=true", *refs)
    spec = ok.one("TradingBot")["spec"]
    assert spec["mode"] == "live"
    assert spec["secrets"] == {
        "gmoApiKey": {"name": "gmo", "key": "gmo_api_key"},
        "gmoApiSecret": {"name": "gmo", "key": "gmo_api_secret"},
    }
    assert ok.by_kind("Secret") == []


def test_bot_chart_ships_no_secret_values(render: RenderFn) -> None:
    defaults = render("tradingbot")
    assert defaults.by_kind("Secret") == []
    assert "secrets" not in defaults.one("TradingBot")["spec"]
    empty = render("tradingbot", None, "--set", "secrets.create.enabled=true")
    assert empty.returncode != 0
    assert "--set-file" in empty.stderr


def test_created_secret_carries_only_given_files(render: RenderFn, tmp_path: pathlib.Path) -> None:
    key_file = tmp_path / "gmo_api_key"
    key_file.write_text("k-placeholder\n")
    result = render(
        "tradingbot",
        None,
        "--set",
        "secrets.create.enabled=true",
        "--set-file",
        f"secrets.create.gmoApiKey={key_file}",
    )
    secret = result.one("Secret")
    assert secret["data"] == {"gmo_api_key": base64.b64encode(b"k-placeholder").decode()}
    ref = result.one("TradingBot")["spec"]["secrets"]["gmoApiKey"]
    assert ref == {"name": secret["metadata"]["name"], "key": "gmo_api_key"}


@pytest.mark.parametrize(
    "values_file", [None, REPO / "charts/tradingbot-operator/ci/all-options-values.yaml"]
)
def test_operator_deployment_is_one_hardened_standalone_replica(
    render: RenderFn, values_file: pathlib.Path | None
) -> None:
    rendered = render("tradingbot-operator", values_file)
    deployment = rendered.one("Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["limits"]
    assert container["resources"]["requests"]
    assert container["livenessProbe"]["httpGet"]["port"] == "health"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["TRADINGBOT_OPERATOR_METRICS_PORT"] == str(ports["metrics"])
    assert env["TRADINGBOT_OPERATOR_LIVENESS_ENDPOINT"].endswith(f":{ports['health']}/healthz")
    role = rendered.one("Role")
    assert env["TRADINGBOT_OPERATOR_NAMESPACES"] == role["metadata"]["namespace"]
    service = rendered.one("Service")
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"
    assert service["spec"]["selector"].items() <= spec["template"]["metadata"]["labels"].items()


def test_operator_chart_crd_is_the_generated_one(render: RenderFn, crd: dict[str, Any]) -> None:
    rendered = render("tradingbot-operator").one("CustomResourceDefinition")
    assert rendered["spec"] == yaml.safe_load(yaml.safe_dump(crd))["spec"]
    assert rendered["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    off = render("tradingbot-operator", None, "--set", "crds.install=false")
    assert off.by_kind("CustomResourceDefinition") == []


def test_servicemonitor_only_when_enabled(render: RenderFn) -> None:
    assert render("tradingbot-operator").by_kind("ServiceMonitor") == []
    on = render("tradingbot-operator", None, "--set", "metrics.serviceMonitor.enabled=true").one(
        "ServiceMonitor"
    )
    assert on["spec"]["endpoints"][0]["port"] == "metrics"


def test_helm_template_is_deterministic(helm: str) -> None:
    args = ["template", "r", str(REPO / "charts" / "tradingbot-operator"), "-n", "x"]
    assert run_helm(helm, *args).stdout == run_helm(helm, *args).stdout


@pytest.mark.parametrize(
    "values_file", [None, REPO / "charts/tradingbot-operator/ci/all-options-values.yaml"]
)
def test_operator_env_is_accepted_by_its_settings(render: RenderFn, values_file: pathlib.Path | None) -> None:
    """The chart's TRADINGBOT_OPERATOR_* variables are ones OperatorSettings knows (it refuses others)."""
    from tradingbot_operator.settings import OperatorSettings

    (container,) = render("tradingbot-operator", values_file).one("Deployment")["spec"]["template"]["spec"][
        "containers"
    ]
    env = {e["name"]: e["value"] for e in container["env"] if e["name"].startswith("TRADINGBOT_OPERATOR_")}
    settings = OperatorSettings.from_env(env)
    assert settings.namespace_list() == [env["TRADINGBOT_OPERATOR_NAMESPACES"]]
    assert str(settings.metrics_port) == env["TRADINGBOT_OPERATOR_METRICS_PORT"]


@pytest.mark.parametrize(("chart", "values_file"), CASES, ids=CASE_IDS)
def test_helm3_lint_and_template_render_the_same_objects(
    helm: str, chart: str, values_file: pathlib.Path | None
) -> None:
    """SREs still run helm 3: helm 3.17 (scripts/install_tools.sh) lints and renders what helm 4 renders."""
    helm3 = REPO / ".cache" / "bin" / "helm3"
    if not helm3.exists():
        pytest.skip("helm 3 is not installed (scripts/install_tools.sh installs it)")
    extra = ["-f", str(values_file)] if values_file is not None else []
    lint = run_helm(str(helm3), "lint", "--strict", str(REPO / "charts" / chart), *extra)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    args = ["template", "r", str(REPO / "charts" / chart), "-n", "tb-test", *extra]
    three, four = run_helm(str(helm3), *args), run_helm(helm, *args)
    assert three.returncode == 0, three.stderr

    def objects(text: str) -> list[Any]:
        return [doc for doc in yaml.safe_load_all(text) if doc]

    assert objects(three.stdout) == objects(four.stdout)
