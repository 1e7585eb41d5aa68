"""Differential property: the generated CRD and the operator's pydantic model agree on every spec.

Specs are drawn valid (from the grammars and ranges), then 0 to 3 fields anywhere in the tree are
mutated: hostile strings (spaces, newlines, dots, Unicode, huge), hostile numbers (boundaries, signs,
1e308, tiny subnormals, NaN, big integers), wrong types, nulls, removals and unknown fields. The CRD side
is crd_admission.admit (jsonschema + cel-python on the generated CRD); the model side is
TradingBotSpec.model_validate. Both must accept, or both refuse.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from crd_admission import SPEC_SCHEMA, admit, cr, model_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tradingbot_operator import grammar

JSON_NUMBERS = st.one_of(
    st.integers(-5, 30),
    st.integers(-5, 200_000),
    st.floats(min_value=-1.0, max_value=2.0e6, allow_nan=False),
    st.sampled_from([0, 0.0, -0.0, 5e-324, 1e-9, 0.5, 0.9999999999999999, 1, 1.0, 1.0000000000000002, 2]),
    st.sampled_from([2.0000000000000004, 3600, 3600.0000000000005, 86400, 86400.00000000001, 1000, 1001]),
    st.sampled_from([10_000, 10_001, 100_000, 100_001, 1_000_000, 1_000_000.0000000001, 1e12, 1e12 + 1]),
    st.sampled_from([1e9, 1e308, -1e308, 2**53 + 1, 2**63, 2**64 + 1, -(2**63), float("nan"), float("inf")]),
)
HOSTILE_STRINGS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "   ",
            "\n",
            "x\n",
            "tradingbot:1.0\n",
            "trading bot:1",
            "\t",
            "é",
            ".",
            "..",
            "...",
            "a..b",
        ]
    ),
    st.sampled_from(
        ["a..b", "-a", "a-", "A", "0", "0Gi", "01Gi", "-1Gi", "1.5Gi", "lots", "1e3", "null", "true"]
    ),
    st.sampled_from(["5", "0.5", "paper", "live", "LIVE", "ma_cross", "BTC_JPY", "btc_jpy", "a" * 300]),
    st.sampled_from(["x" * 600, "ghcr.io/x/y@sha256:" + "a" * 64, "localhost:5000/a/b:c", "A/b", "a//b"]),
    st.text(max_size=12),
)
HOSTILE = st.one_of(
    JSON_NUMBERS,
    HOSTILE_STRINGS,
    st.booleans(),
    st.none(),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["cpu", "x", "name", "key"]), st.integers(0, 3), max_size=2),
)


# Valid values are built from parts (st.from_regex on these grammars is too slow for `make test`);
# the grammars themselves are checked by the hostile mutations and by tests in test_operator_spec.py.
LABEL = st.text(alphabet="abz019-", min_size=1, max_size=8).filter(lambda s: s[0] != "-" and s[-1] != "-")
DNS_NAME = st.lists(LABEL, min_size=1, max_size=3).map(".".join)
DATA_KEY = st.text(alphabet="aZ09-_.", min_size=1, max_size=12).filter(
    lambda s: re.fullmatch(grammar.DATA_KEY[1:-1], s) is not None
)
COMPONENT = st.tuples(
    st.text(alphabet="a0z9", min_size=1, max_size=6),
    st.sampled_from(["", ".", "_", "__", "-", "--"]),
    st.text(alphabet="b1", min_size=1, max_size=3),
).map(lambda t: t[0] + t[1] + t[2] if t[1] else t[0])
IMAGE = st.tuples(
    st.sampled_from(["", "ghcr.io/", "localhost:5000/", "registry.example.com:443/", "Reg-1.io/"]),
    st.lists(COMPONENT, min_size=1, max_size=3).map("/".join),
    st.sampled_from(["", ":1.0", ":latest", ":_x-Y.1", ":" + "t" * 128]),
    st.sampled_from(["", "@sha256:" + "ab" * 32, "@sha512:" + "0F" * 64, "@a+b.c-d_e:" + "1" * 32]),
).map("".join)


def ref() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({"name": DNS_NAME, "key": DATA_KEY})


QUANTITY = st.tuples(
    st.sampled_from(["0", "1", "100", "0.5", ".5", "2.", "12345"]),
    st.sampled_from(["", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "E-2"]),
).map("".join)
RESOURCE_LIST = st.dictionaries(st.sampled_from(grammar.RESOURCE_NAMES), QUANTITY, max_size=3)
STORAGE = st.tuples(st.integers(1, 999_999_999), st.sampled_from(["Ki", "Mi", "Gi", "Ti"])).map(
    lambda t: f"{t[0]}{t[1]}"
)


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    fast = draw(st.integers(1, 50))
    delay, period = draw(st.floats(0, 60)), draw(st.floats(0.1, 30))
    successes = draw(st.integers(1, 10))
    probe, slack = min(period, 5.0), draw(st.floats(0, 600))
    spec: dict[str, Any] = {
        "image": draw(IMAGE),
        "mode": draw(st.sampled_from(["paper", "live"])),
        "symbol": draw(st.sampled_from(["BTC_JPY", "ETH_JPY", "XRP_JPY"])),
        "strategy": {
            "name": "ma_cross",
            "fastWindow": fast,
            "slowWindow": draw(st.integers(fast + 1, fast + 200)),
            "orderSize": draw(st.floats(1e-6, 1000)),
        },
        "risk": {
            "maxDrawdown": draw(st.floats(0.001, 0.999)),
            "dailyLossLimit": draw(st.integers(1, 10**9)),
            "maxPositionSize": draw(st.floats(0.001, 1000)),
            "maxTradeLoss": draw(st.floats(1, 10**6)),
            "maxLeverage": draw(st.floats(0.1, 2)),
            "maxWalletDrift": draw(st.integers(1, 10**6)),
        },
        "secrets": {"gmoApiKey": draw(ref()), "gmoApiSecret": draw(ref())},
        "healthGate": {
            "initialDelaySeconds": delay,
            "periodSeconds": period,
            "successThreshold": successes,
            "failureThreshold": draw(st.integers(1, 10)),
            # Summed in the rule's order, so slack 0 is exactly the least deadline the rule admits.
            "progressDeadlineSeconds": min(86400.0, delay + period * successes + probe * successes + slack),
        },
        "revisionHistoryLimit": draw(st.integers(1, 100)),
        "suspend": draw(st.booleans()),
        "storageSize": draw(STORAGE),
        "resources": {"requests": draw(RESOURCE_LIST), "limits": draw(RESOURCE_LIST)},
    }
    return spec


def paths(schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, sub in schema.get("properties", {}).items():
        found.append((*prefix, name))
        found += paths(sub, (*prefix, name))
    return found


PATHS = paths(SPEC_SCHEMA)


def mutate(spec: dict[str, Any], path: tuple[str, ...], op: str, value: Any) -> None:
    parent: Any = spec
    for part in path[:-1]:
        if not isinstance(parent, dict):
            return
        parent = parent.setdefault(part, {})
    if not isinstance(parent, dict):
        return
    if op == "remove":
        parent.pop(path[-1], None)
    elif op == "unknown":
        parent["unknownField"] = value
    else:
        parent[path[-1]] = value


def _equal_windows(spec: dict[str, Any]) -> None:
    spec["strategy"]["slowWindow"] = spec["strategy"]["fastWindow"]


def _deadline_just_short(spec: dict[str, Any]) -> None:
    gate = spec["healthGate"]
    gate["progressDeadlineSeconds"] = math.nextafter(
        gate["initialDelaySeconds"]
        + gate["periodSeconds"] * gate["successThreshold"]
        + min(gate["periodSeconds"], 5.0) * gate["successThreshold"],
        0.0,
    )


def _live_without_secret(spec: dict[str, Any]) -> None:
    spec["mode"] = "live"
    spec["secrets"].pop("gmoApiSecret")


# Just across the edge of each cross-field rule (random mutations seldom land there).
EDGES = [_equal_windows, _deadline_just_short, _live_without_secret]


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    spec = copy.deepcopy(draw(valid_specs()))
    if draw(st.integers(0, 3)) == 0:
        draw(st.sampled_from(EDGES))(spec)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(PATHS))
        op = draw(st.sampled_from(["set", "set", "set", "copy", "copy", "remove", "unknown"]))
        value = draw(HOSTILE)
        parent = spec
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None  # type: ignore[assignment]
        if op == "copy" and isinstance(parent, dict) and parent:
            # A sibling's value (slowWindow := fastWindow, deadline := delay): the edges of cross-field rules.
            op, value = "set", copy.deepcopy(parent[draw(st.sampled_from(sorted(parent)))])
        mutate(spec, path, "set" if op == "copy" else op, value)
    return spec


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(spec=mutated_specs())
def test_crd_and_model_agree(spec: dict[str, Any]) -> None:
    body = cr(**spec)
    body["spec"] = spec
    by_crd, by_model = admit(body), model_errors(body)
    assert bool(by_crd) == bool(by_model), f"CRD says {by_crd}, model says {by_model}"


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(spec=valid_specs())
def test_valid_specs_are_admitted_by_both(spec: dict[str, Any]) -> None:
    # The generator of valid specs really generates valid ones, so the mutations start from "accepted".
    body = cr(**spec)
    assert admit(body) == []
    assert model_errors(body) == []
