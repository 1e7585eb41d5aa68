"""monitoring/: Prometheus config, alert rules (+ their promtool unit tests), Grafana provisioning, dashboard.

promtool comes from scripts/install_tools.sh (.cache/bin/promtool); its tests skip with the reason when it
is absent. The metric names used by the dashboard and the alerts are checked against what the bot really
exposes: a fresh `tradingbot.ops.metrics.BotMetrics` rendered to the Prometheus text format.
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from tradingbot.ops.metrics import BotMetrics
from tradingbot_operator.metrics import Metrics as OperatorMetrics

REPO = pathlib.Path(__file__).resolve().parents[3]
MON = REPO / "monitoring"
RULES = MON / "alerts" / "tradingbot.yml"
OPERATOR_RULES = MON / "alerts" / "operator.yml"
DASHBOARD = MON / "grafana" / "dashboards" / "tradingbot.json"
DOCS = REPO / "docs" / "monitoring.md"


def _promtool() -> str:
    local = REPO / ".cache" / "bin" / "promtool"
    if local.exists():
        return str(local)
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool not installed (scripts/install_tools.sh installs it from Debian's prometheus)")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=REPO, timeout=60)


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.hostnet.yml"])
def test_promtool_check_config(config: str) -> None:
    proc = _run(_promtool(), "check", "config", str(MON / config))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The relative rule glob must find the alerts both here and in the container layout.
    assert "2 rule files found" in proc.stdout + proc.stderr  # the bot's and the operator's


def test_promtool_check_rules() -> None:
    proc = _run(_promtool(), "check", "rules", str(RULES), str(OPERATOR_RULES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted((MON / "alerts").glob("*.yml")) == sorted([RULES, OPERATOR_RULES])


def test_promtool_test_rules() -> None:
    tests = sorted((MON / "tests").glob("*.yml"))
    assert tests
    proc = _run(_promtool(), "test", "rules", *map(str, tests))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hostnet_config_differs_only_in_the_target() -> None:
    bridged = yaml.safe_load((MON / "prometheus.yml").read_text())
    hostnet = yaml.safe_load((MON / "prometheus.hostnet.yml").read_text())
    assert bridged["scrape_configs"][0]["static_configs"][0]["targets"] == ["bot:9754"]
    assert hostnet["scrape_configs"][0]["static_configs"][0]["targets"] == ["127.0.0.1:9754"]
    hostnet["scrape_configs"][0]["static_configs"][0]["targets"] = ["bot:9754"]
    assert hostnet == bridged
    assert bridged["rule_files"] == ["alerts/*.yml"]
    assert bridged["scrape_configs"][0]["job_name"] == "tradingbot"


def _rules(path: pathlib.Path = RULES) -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load(path.read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def test_alert_thresholds_are_the_ops_guide_s() -> None:
    rules = _rules()
    assert rules["TradingbotRunLoopFailures"]["expr"] == "increase(run_loop_failures_total[5m]) >= 3"
    assert rules["TradingbotDegraded"]["expr"] == 'monitor_status{status="degraded"} == 1'
    assert rules["TradingbotDegraded"]["for"] == "2m"
    assert rules["TradingbotReconnecting"]["expr"] == 'monitor_status{status="reconnecting"} == 1'
    assert rules["TradingbotReconnecting"]["for"] == "5m"
    assert 'monitor_status{status="halted"} == 1' in rules["TradingbotHalted"]["expr"]
    assert "for" not in rules["TradingbotHalted"]
    assert rules["TradingbotTargetDown"]["expr"] == 'up{job="tradingbot"} == 0'
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name


# --- metric names -----------------------------------------------------------------------------------

_FUNCTIONS_AND_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or"}
_FUNCTIONS_AND_KEYWORDS |= {"unless", "bool", "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (good enough for the expressions this repository writes)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range selectors
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _FUNCTIONS_AND_KEYWORDS:
            continue
        names.add(name)
    return names


def test_metric_name_parser() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le) (rate(tradingbot_loop_seconds_bucket{instance=~"$instance"}'
        "[$__rate_interval]))) and on (instance) time() - tradingbot_last_loop_timestamp_seconds > 1e3"
    )
    assert metric_names(expr) == {"tradingbot_loop_seconds_bucket", "tradingbot_last_loop_timestamp_seconds"}


def _exposed_names(text: str) -> set[str]:
    names = {"up"}  # Prometheus' own per-target series
    # From the TYPE lines: a labelled histogram has no samples until its first observation.
    suffixes = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split()
            names.add(family)
            names.update(family + suffix for suffix in suffixes.get(kind, ()))
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


@pytest.fixture(scope="module")
def exposed() -> set[str]:
    return _exposed_names(BotMetrics().render().decode())


@pytest.fixture(scope="module")
def operator_exposed() -> set[str]:
    return _exposed_names(OperatorMetrics().render().decode())


def test_no_created_series() -> None:
    # `_created` doubles every counter and histogram and nothing reads it (disabled in both programs).
    for text in (BotMetrics().render().decode(), OperatorMetrics().render().decode()):
        assert "_created" not in text
        assert "_total" in text


def _dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def _dashboard_exprs() -> list[str]:
    return [t["expr"] for p in _dashboard()["panels"] for t in p.get("targets", [])]


def test_dashboard_uses_only_metrics_the_bot_or_operator_exposes(
    exposed: set[str], operator_exposed: set[str]
) -> None:
    used = set().union(*(metric_names(e) for e in _dashboard_exprs()))
    assert used - exposed - operator_exposed == set()


def test_dashboard_has_the_operator_panels(operator_exposed: set[str]) -> None:
    used = set().union(*(metric_names(e) for e in _dashboard_exprs()))
    families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in operator_exposed - {"up"}}
    shown = {re.sub(r"_(bucket|sum|count)$", "", n) for n in used}
    assert families - shown == set()


def test_operator_alerts_use_only_metrics_the_operator_exposes(operator_exposed: set[str]) -> None:
    rules = _rules(OPERATOR_RULES)
    assert set(rules) == {
        "TradingbotOperatorRollback",
        "TradingbotOperatorReconcileErrors",
        "TradingbotOperatorProgressingPastDeadline",
        "TradingbotOperatorDown",
    }
    used = set().union(*(metric_names(r["expr"]) for r in rules.values()))
    assert used - operator_exposed == set()
    assert 'up{job="tradingbot-operator"}' in rules["TradingbotOperatorDown"]["expr"]
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name


def test_alerts_use_only_metrics_the_bot_exposes(exposed: set[str]) -> None:
    used = set().union(*(metric_names(r["expr"]) for r in _rules().values()))
    assert used - exposed == set()


def test_dashboard_covers_the_operations_metrics() -> None:
    used = set().union(*(metric_names(e) for e in _dashboard_exprs()))
    required = {
        "run_loop_failures_total",
        "monitor_status",
        "tradingbot_orders_total",
        "tradingbot_fills_total",
        "tradingbot_position_size",
        "tradingbot_equity_jpy",
        "tradingbot_drawdown_ratio",
        "tradingbot_ws_reconnects_total",
        "tradingbot_rate_limit_hits_total",
        "tradingbot_loop_seconds_bucket",
        "tradingbot_halted",
        "up",
    }
    assert required - used == set()


def test_dashboard_structure() -> None:
    dash = _dashboard()
    assert dash["uid"] == "tradingbot"
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    datasource = yaml.safe_load((MON / "grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    assert datasource["datasources"][0]["url"] == "${PROMETHEUS_URL}"
    cells: set[tuple[int, int]] = set()
    for panel in dash["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"panel {panel['title']!r} overlaps another"
                cells.add((x, y))
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == uid, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid
    provider = yaml.safe_load((MON / "grafana/provisioning/dashboards/tradingbot.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_docs_describe_every_metric_and_alert(exposed: set[str]) -> None:
    docs = DOCS.read_text()
    families = {
        re.sub(r"_(bucket|sum|count|created|info)$", "", n)
        for n in exposed
        if n != "up" and not n.endswith("_created")
    }
    missing = sorted(f for f in families if f not in docs and f + "_total" not in docs)
    assert missing == []
    for alert in [*_rules(), *_rules(OPERATOR_RULES)]:
        assert alert in docs, alert
