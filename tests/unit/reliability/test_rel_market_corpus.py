"""Issue 13: a corpus of generated hostile public frames through the real PublicStream.

Seeded, so a failure names its frame. For every frame: nothing raises out of the stream; what reaches the
consumer satisfies every guarantee of ``tradingbot.marketdata`` (numbers in the grammar per the
independent reference, > 0, bounded, books sorted and uncrossed, subscribed symbols, UTC); the verdict
equals the reference implementation's; every refusal is in the metric under its reason.
`make test` runs 600 frames, `make chaos` 10,000.
"""

from __future__ import annotations

import random

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tradingbot.marketdata import MALFORMED_REASONS
from tradingbot.ops.metrics import BotMetrics
from tradingbot.venues.gmo.market import MarketDecoder
from tradingbot.venues.gmo.ws import PublicStream, Subscription

from tests.unit.venues.market_checks import assert_valid_event, verdict
from tests.unit.venues.market_frames import SUBSCRIBED, hostile_frame

SIZES = [pytest.param(600, id="short"), pytest.param(10_000, id="long", marks=pytest.mark.chaos)]


def _refusals(metrics: BotMetrics) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == "tradingbot_malformed_frames_total" and sample.labels["stream"] == "public":
                out[sample.labels["reason"]] = sample.value
    return out


@pytest.mark.parametrize("size", SIZES)
def test_hostile_corpus(size: int) -> None:
    rng = random.Random(13)
    corpus = [hostile_frame(rng) for _ in range(size)]
    metrics = BotMetrics()
    delivered: list[object] = []
    stream = PublicStream("ws://127.0.0.1:9/x", [Subscription("orderbooks", s) for s in SUBSCRIBED],
                          on_event=delivered.append,
                          on_malformed=lambda reason: metrics.malformed_frame("public", reason))  # fmt: skip
    crashes: list[tuple[int, str]] = []
    invalid: list[tuple[int, str]] = []
    disagreements: list[int] = []
    reference_decoder = MarketDecoder(symbols=SUBSCRIBED)
    for index, frame in enumerate(corpus):
        before = len(delivered)
        try:
            stream._handle(frame)
        except Exception as exc:
            crashes.append((index, repr(exc)))
            continue
        for event in delivered[before:]:
            try:
                assert_valid_event(event, SUBSCRIBED)
            except AssertionError as exc:
                invalid.append((index, str(exc)))
        product, expected = verdict(reference_decoder, frame)
        if product != expected:
            disagreements.append(index)
    del delivered[:]
    assert crashes == []
    assert invalid == []
    assert disagreements == [], [corpus[i] for i in disagreements[:3]]
    refused = stream.malformed_frames
    assert refused == sum(stream.decoder.malformed_by_reason.values())
    by_reason = _refusals(metrics)
    assert sum(by_reason.values()) == refused
    assert {r: by_reason[r] for r in MALFORMED_REASONS} == stream.decoder.malformed_by_reason
    seen = {r for r, n in stream.decoder.malformed_by_reason.items() if n}
    assert seen == set(MALFORMED_REASONS) - {"internal"}, seen  # every rule is exercised, no bug hit
    assert 0.3 * size < refused < 0.9 * size  # a real mix of accepted and refused frames
