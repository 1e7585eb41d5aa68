"""Write bad_tradingbots.yaml: TradingBots that the CRD and the operator's model must both refuse.

Run from the repository root: `.venv/bin/python tests/unit/operator/corpus/make_bad_tradingbots.py`.
The YAML is committed (the corpus is data, reviewed in diffs); this script only spares typing it.
Each document carries the field its refusal must name (annotation test.tradingbot.dev/field) and, for
the cases issue 14 lists under "Why", the annotation test.tradingbot.dev/why.
"""

from __future__ import annotations

import copy
import pathlib
from typing import Any

import yaml

OUT = pathlib.Path(__file__).with_name("bad_tradingbots.yaml")
IMAGE = "ghcr.io/example/tradingbot:1.0"
REF = {"name": "gmo-api", "key": "gmo_api_key"}
LIVE = {"gmoApiKey": REF, "gmoApiSecret": {"name": "gmo-api", "key": "gmo_api_secret"}}

# (field the refusal names, spec, why-text or "")
Case = tuple[str, dict[str, Any], str]
WHY: list[Case] = [
    ("spec.image", {"image": "   "}, "an image of spaces"),
    ("spec.image", {"image": "ghcr.io/example/tradingbot:1.0\nrm -rf /"}, "an image containing a newline"),
    ("spec.image", {"image": "ghcr.io/example/tradingbot:1.0\n"}, "an image ending in a newline"),
    ("spec.strategy.orderSize", {"strategy": {"orderSize": 1000000000000.0}}, "orderSize: 1e12"),
    ("spec.risk.maxLeverage", {"risk": {"maxLeverage": 1000000000.0}}, "maxLeverage: 1e9"),
    ("spec.secrets.gmoApiKey.key", {"secrets": {"gmoApiKey": {"name": "gmo", "key": "."}}}, "Secret key '.'"),
    (
        "spec.secrets.gmoApiKey.key",
        {"secrets": {"gmoApiKey": {"name": "gmo", "key": ".."}}},
        "Secret key '..'",
    ),
    (
        "spec.secrets.gmoApiKey.name",
        {"secrets": {"gmoApiKey": {"name": "a..b", "key": "k"}}},
        "Secret name 'a..b'",
    ),
    (
        "spec.healthGate.progressDeadlineSeconds",
        {
            "healthGate": {
                "initialDelaySeconds": 100,
                "periodSeconds": 100,
                "successThreshold": 10,
                "progressDeadlineSeconds": 200,
            }
        },
        "a health gate that can never pass",
    ),
    ("spec.storageSize", {"storageSize": "0Gi"}, "storageSize: 0Gi"),
    (
        "spec.resources.requests.cpu",
        {"resources": {"requests": {"cpu": "lots", "memory": "-1Gi"}}},
        "cpu: lots",
    ),
    ("spec.resources.limits.memory", {"resources": {"limits": {"memory": "-1Gi"}}}, "memory: -1Gi"),
    ("spec.resources.requests", {"resources": {"requests": {"bananas": "3"}}}, "resources {bananas: '3'}"),
    ("spec.secrets", {"mode": "live"}, "live mode without secrets"),
    ("spec.secrets", {"mode": "live", "secrets": {"gmoApiKey": REF}}, "live mode with the API key only"),
    (
        "spec.strategy.slowWindow",
        {"strategy": {"fastWindow": 20, "slowWindow": 20}},
        "fastWindow == slowWindow",
    ),
    (
        "spec.strategy.slowWindow",
        {"strategy": {"fastWindow": 30, "slowWindow": 20}},
        "fastWindow > slowWindow",
    ),
    ("spec.risk.maxDrawdown", {"risk": {"maxDrawdown": 1}}, "maxDrawdown: 1"),
    ("spec.risk.maxDrawdown", {"risk": {"maxDrawdown": 1.5}}, "maxDrawdown: 1.5"),
    (
        "spec.healthGate.progressDeadlineSeconds",
        {"healthGate": {"initialDelaySeconds": 60, "progressDeadlineSeconds": 60}},
        "progress deadline equal to the initial delay",
    ),
    (
        "spec.healthGate.progressDeadlineSeconds",
        {"healthGate": {"initialDelaySeconds": 60, "progressDeadlineSeconds": 30}},
        "progress deadline before the initial delay",
    ),
    ("spec.strategy.orderSize", {"strategy": {"orderSize": "0.01"}}, "a string for a number (orderSize)"),
    ("spec.strategy.fastWindow", {"strategy": {"fastWindow": "5"}}, "a string for a number (fastWindow)"),
    ("spec.risk.maxDrawdown", {"risk": {"maxDrawdown": "0.1"}}, "a string for a number (maxDrawdown)"),
    (
        "spec.healthGate.periodSeconds",
        {"healthGate": {"periodSeconds": "10"}},
        "a string for a number (period)",
    ),
    ("spec.revisionHistoryLimit", {"revisionHistoryLimit": "5"}, "a string for a number (history limit)"),
]


def field_values(field: str, values: list[Any]) -> list[Case]:
    """One case per bad value of one field (dotted path under spec)."""
    out: list[Case] = []
    for value in values:
        spec: dict[str, Any] = {}
        node = spec
        parts = field.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        out.append((f"spec.{field}", spec, ""))
    return out


MORE: list[Case] = [
    *field_values(
        "image",
        [
            "",
            "Ghcr.io/Example/Bot:1",
            "bot:",
            "bot:-x",
            ":1.0",
            "bot@sha256:abc",
            "a//b",
            "/bot",
            "bot/",
            "bot:1.0 ",
            " bot:1.0",
            "bot\t",
            "bot:" + "t" * 129,
            "x" * 513,
            "bot:1@",
            "bot@@sha256:" + "a" * 64,
            "ghcr.io:port/bot",
            "-bot",
            "bot_",
            "bot..x",
            "bot:tag:tag",
            "ボット:1",
            42,
            True,
        ],
    ),
    *field_values("mode", ["demo", "LIVE", "Paper", "", " paper", 1, False]),
    *field_values("symbol", ["btc_jpy", "BTCJPY", "BTC-JPY", "B_JPY", "BTC_JPY\n", "BTC_JPYYYY", 7, ""]),
    *field_values("strategy.name", ["rsi", "MA_CROSS", ""]),
    *field_values("strategy.fastWindow", [0, -1, 10001, 1.5, True]),
    *field_values("strategy.slowWindow", [1, 100001, 2.5, "20"]),
    *field_values("strategy.orderSize", [0, -0.01, 1000000.5, True]),
    *field_values("risk.maxDrawdown", [0, -0.1, 1.0000001, 10, True]),
    *field_values("risk.dailyLossLimit", [0, -1, 1.0e13, "50000"]),
    *field_values("risk.maxPositionSize", [0, 2000000]),
    *field_values("risk.maxTradeLoss", [0, -5]),
    *field_values("risk.maxLeverage", [0, 2.5, 3, "2"]),
    *field_values("risk.maxWalletDrift", [0, 1.0e15]),
    *field_values("healthGate.initialDelaySeconds", [-1, 3601]),
    *field_values("healthGate.periodSeconds", [0, -1, 3601]),
    *field_values("healthGate.successThreshold", [0, 1001, 2.5]),
    *field_values("healthGate.failureThreshold", [0, -1, 1001]),
    *field_values("healthGate.progressDeadlineSeconds", [0, 86401, 10]),
    *field_values("revisionHistoryLimit", [0, 101, -3]),
    *field_values("suspend", ["true", 1, "yes"]),
    *field_values(
        "storageSize", ["0", "1", "1G", "1.5Gi", "-1Gi", "01Gi", "1Pi", "1gi", "1Gi ", "1234567890Gi", 1]
    ),
    *field_values(
        "secrets.gmoApiSecret.name", ["Gmo", "gmo_api", "-gmo", "gmo-", ".gmo", "gmo.", "a" * 254, ""]
    ),
    *field_values("secrets.gmoApiSecret.key", ["", "..x", "a/b", "a b", "k" * 254, "ключ"]),
    *field_values("resources.requests.cpu", ["", "1 ", "+1", "1.2.3", "100 m", "1mi", "e3"]),
    *field_values("resources.limits.ephemeral-storage", ["-1", "1Gb", "lots"]),
    ("spec.resources.limits", {"resources": {"limits": {"nvidia.com/gpu": "1"}}}, ""),
    *field_values("unknownField", ["x"]),
    *field_values("strategy.unknownField", [1]),
    *field_values("healthGate.timeoutSeconds", [5]),
    ("spec.secrets.discordWebhookUrl.key", {"secrets": {"discordWebhookUrl": {"name": "hook"}}}, ""),
    ("spec.image", {"image": None}, ""),
]


def document(n: int, case: Case) -> dict[str, Any]:
    field, spec, why = case
    full = {"image": IMAGE, **copy.deepcopy(spec)}
    annotations = {"test.tradingbot.dev/field": field}
    if why:
        annotations["test.tradingbot.dev/why"] = why
    return {
        "apiVersion": "tradingbot.dev/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": f"bad-{n:03d}", "annotations": annotations},
        "spec": full,
    }


def main() -> None:
    docs = [document(n, case) for n, case in enumerate([*WHY, *MORE], start=1)]
    header = "# GENERATED by make_bad_tradingbots.py: TradingBots both the CRD and the model refuse.\n"
    OUT.write_text(header + yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True, width=4096))
    print(f"{OUT}: {len(docs)} documents")


if __name__ == "__main__":
    main()
