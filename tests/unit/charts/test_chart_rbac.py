"""Least privilege: the operator's Role and ClusterRole grant exactly these verbs, no wildcard, and only
the CRD read is cluster-wide. A change to what the operator calls must change this table on purpose."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from charts_support import REPO, RenderFn

OPERATOR_ALL = REPO / "charts/tradingbot-operator/ci/all-options-values.yaml"

# (apiGroup, resource) -> verbs, from the operator's code (kube.KubeApi calls and kopf's watches).
ROLE: dict[tuple[str, str], set[str]] = {
    ("tradingbot.dev", "tradingbots"): {"get", "list", "watch", "patch"},
    ("tradingbot.dev", "tradingbots/status"): {"patch"},
    ("tradingbot.dev", "tradingbots/finalizers"): {"update"},
    ("apps", "statefulsets"): {"get", "create", "patch"},
    ("apps", "controllerrevisions"): {"list", "create", "delete"},
    ("", "configmaps"): {"get", "list", "create", "delete"},
    ("", "secrets"): {"get", "list", "watch", "create", "delete"},
    ("", "services"): {"get", "create"},
    ("", "pods"): {"get"},
    ("", "events"): {"get", "create"},
}
CLUSTER_ROLE: dict[tuple[str, str], set[str]] = {
    ("apiextensions.k8s.io", "customresourcedefinitions"): {"list", "watch"},
}


def grants(role: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    table: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        assert "nonResourceURLs" not in rule
        assert "resourceNames" not in rule or rule["resourceNames"]
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                verbs = table.setdefault((group, resource), set())
                overlap = verbs & set(rule["verbs"])
                assert not overlap, f"{group}/{resource}: verbs {overlap} granted twice"
                verbs.update(rule["verbs"])
    return table


@pytest.mark.parametrize("values_file", [None, OPERATOR_ALL], ids=["defaults", "all-options"])
def test_role_grants_exactly_what_the_operator_uses(
    render: RenderFn, values_file: pathlib.Path | None
) -> None:
    rendered = render("tradingbot-operator", values_file)
    role = rendered.one("Role")
    assert grants(role) == ROLE
    for rule in role["rules"]:
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule[field], f"wildcard in {field}: {rule}"
    binding = rendered.one("RoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["metadata"]["namespace"] == role["metadata"]["namespace"]
    (subject,) = binding["subjects"]
    deployment = rendered.one("Deployment")
    assert subject["name"] == deployment["spec"]["template"]["spec"]["serviceAccountName"]
    assert subject["namespace"] == deployment["metadata"]["namespace"]


def test_role_lives_in_the_watched_namespace(render: RenderFn) -> None:
    rendered = render("tradingbot-operator", None, "--set", "watchNamespace=bots")
    assert rendered.one("Role")["metadata"]["namespace"] == "bots"
    assert rendered.one("RoleBinding")["metadata"]["namespace"] == "bots"
    # ... while the operator itself stays in the release namespace.
    assert rendered.one("Deployment")["metadata"]["namespace"] == "tb-test"


def test_cluster_role_is_only_the_crd_read(render: RenderFn) -> None:
    rendered = render("tradingbot-operator")
    cluster_role = rendered.one("ClusterRole")
    assert grants(cluster_role) == CLUSTER_ROLE
    binding = rendered.one("ClusterRoleBinding")
    assert binding["roleRef"]["name"] == cluster_role["metadata"]["name"]
    off = render("tradingbot-operator", None, "--set", "rbac.crdDiscovery=false")
    assert off.by_kind("ClusterRole") == []
    assert off.by_kind("ClusterRoleBinding") == []
    none = render("tradingbot-operator", None, "--set", "rbac.create=false")
    assert not [o for o in none.objects if o["kind"].endswith(("Role", "RoleBinding"))]


def test_generated_rbac_manifests_match_the_table() -> None:
    import yaml

    role = yaml.safe_load((REPO / "manifests/rbac/role-tradingbot-operator.yaml").read_text())
    cluster_role = yaml.safe_load(
        (REPO / "manifests/rbac/clusterrole-tradingbot-operator-crd-discovery.yaml").read_text()
    )
    assert grants(role) == ROLE
    assert grants(cluster_role) == CLUSTER_ROLE


def test_bot_chart_has_no_rbac(render: RenderFn) -> None:
    for values_file in (None, REPO / "charts/tradingbot/ci/all-options-values.yaml"):
        kinds = {o["kind"] for o in render("tradingbot", values_file).objects}
        assert kinds <= {"TradingBot", "Secret"}
