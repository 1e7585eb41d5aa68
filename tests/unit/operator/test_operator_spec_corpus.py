"""The committed corpus of bad TradingBots (corpus/bad_tradingbots.yaml): every one is refused by the
generated CRD (schema + CEL) and by the operator's model, each with a message naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from crd_admission import admit, model_errors

CORPUS = Path(__file__).with_name("corpus") / "bad_tradingbots.yaml"
DOCS: list[dict[str, Any]] = [d for d in yaml.safe_load_all(CORPUS.read_text()) if d]
FIELD = "test.tradingbot.dev/field"
WHY = "test.tradingbot.dev/why"


def test_the_corpus_is_large_and_covers_every_case_of_the_issue() -> None:
    assert len(DOCS) >= 100
    names = [d["metadata"]["name"] for d in DOCS]
    assert len(set(names)) == len(names)
    why = [d["metadata"]["annotations"][WHY] for d in DOCS if WHY in d["metadata"]["annotations"]]
    # Issue 14, "Why": 12 cases both validators let through, 10 only the API server refused.
    assert len(why) >= 22
    needed = [
        "an image of spaces", "newline", "orderSize: 1e12", "maxLeverage: 1e9", "Secret key '.'",
        "Secret key '..'", "Secret name 'a..b'", "never pass", "storageSize: 0Gi", "cpu: lots",
        "memory: -1Gi", "bananas", "live mode without secrets", "fastWindow == slowWindow",
        "maxDrawdown: 1", "maxDrawdown: 1.5", "progress deadline", "a string for a number",
    ]  # fmt: skip
    for case in needed:
        assert any(case in w for w in why), case


@pytest.mark.parametrize(
    "doc", DOCS, ids=lambda d: f"{d['metadata']['name']}:{d['metadata']['annotations'][FIELD]}"
)
def test_bad_resource_is_refused_by_both_naming_the_field(doc: dict[str, Any]) -> None:
    field = doc["metadata"]["annotations"][FIELD]
    by_crd, by_model = admit(doc), model_errors(doc)
    assert any(field in e for e in by_crd), f"CRD: {by_crd}"
    assert any(field in e for e in by_model), f"model: {by_model}"
