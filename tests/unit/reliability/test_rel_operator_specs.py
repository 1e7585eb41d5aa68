"""Suite 5 (part): a corpus of invalid TradingBot specs never becomes an operator crash loop.

Property over generated specs (mutations of a valid CR: wrong types, out-of-range numbers, bad enums,
missing image, huge strings): whatever the API server would admit (OpenAPI schema + CEL,
evaluated with the operator's own admission helpers from tests/unit/operator) the operator's spec model
parses without an error, so the reconciler never raises on it; everything else is refused at admission.
Unknown fields are pruned first, as the API server does with a structural schema.
`make test`: a few hundred derandomised specs; `make chaos`: 10,000.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tradingbot_operator.spec import TradingBotSpec

_HELPERS = Path(__file__).resolve().parents[1] / "operator" / "crd_admission.py"


def _load_helpers() -> Any:
    spec = importlib.util.spec_from_file_location("_rel_operator_crd_helpers", _HELPERS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_helpers = _load_helpers()
admit, apply_defaults, SCHEMA = _helpers.admit, _helpers.apply_defaults, _helpers.SCHEMA
decoded = _helpers.decoded  # JSON, non-nullable nulls pruned: what the API server stores
SIZES = [pytest.param(150, id="short"), pytest.param(10_000, id="long", marks=pytest.mark.chaos)]

GOOD: dict[str, Any] = {
    "image": "ghcr.io/example/tradingbot:1.0",
    "mode": "paper",
    "symbol": "BTC_JPY",
    "strategy": {"name": "ma_cross", "fastWindow": 5, "slowWindow": 20, "orderSize": 0.01},
    "risk": {"maxDrawdown": 0.1, "maxLeverage": 2},
    "healthGate": {"periodSeconds": 10, "failureThreshold": 3},
    "revisionHistoryLimit": 5,
    "suspend": False,
    "storageSize": "1Gi",
}
NASTY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "",
            "live",
            "LIVE",
            "paper ",
            "BTC_JPY",
            "btc_jpy",
            "1e308",
            "-1",
            "NaN",
            "0",
            "x" * 600,
            "1Gi",
            "1Pi",
            "ghcr.io/x:y",
            "../../etc/passwd",
            "${HOME}",
        ]
    ),
    st.text(max_size=12),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(0, 3), max_size=2),
)


def prune(value: Any, schema: dict[str, Any]) -> Any:
    """The API server's pruning of fields a structural schema does not declare."""
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        return {k: prune(v, props[k]) for k, v in value.items() if k in props}
    return value


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in GOOD.items()}
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(sorted(spec)))
        target = spec
        if isinstance(spec.get(key), dict) and spec[key] and draw(st.booleans()):
            target = spec[key]
            key = draw(st.sampled_from(sorted(target)))
        if draw(st.integers(0, 4)) == 0:
            target.pop(key, None)
        else:
            target[key] = draw(NASTY)
    return spec


@pytest.mark.parametrize("examples", SIZES)
def test_admitted_specs_always_parse(examples: int) -> None:
    counts = {"refused": 0, "admitted": 0}

    @given(spec=specs())
    def check(spec: dict[str, Any]) -> None:
        cr = {"apiVersion": "tradingbot.dev/v1alpha1", "kind": "TradingBot", "metadata": {"name": "b"},
              "spec": spec}  # fmt: skip
        try:
            cr = prune(cr, SCHEMA)
            errors = admit(cr)
        except Exception as exc:  # an admission helper error is a refusal by the API server too
            errors = [f"{type(exc).__name__}"]
        if errors:
            counts["refused"] += 1
            return
        counts["admitted"] += 1
        TradingBotSpec.model_validate(
            apply_defaults(decoded(cr), SCHEMA)["spec"]
        )  # must not raise: the operator reconciles what was admitted

    settings(max_examples=examples, deadline=None, database=None, derandomize=examples < 1000,
             suppress_health_check=list(HealthCheck))(check)()  # fmt: skip
    assert counts["refused"] > 0
    assert counts["admitted"] > 0
    print(f"operator spec corpus: {counts}")
