"""Property and differential tests of the public-frame decoder (hypothesis).

* any text or bytes: ``PublicStream._handle`` never raises; what reaches the consumer satisfies every
  guarantee (each number in the grammar per the independent reference), everything else is counted;
* the decoder agrees with a plain reference implementation of the rules (``market_reference``) frame by
  frame: same acceptance, same values;
* the fast path agrees with the checked path (same event or the same refusal reason).
"""

from __future__ import annotations

import random

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tradingbot.venues.gmo.checked import decode_checked
from tradingbot.venues.gmo.grammar import Refused
from tradingbot.venues.gmo.market import MalformedFrame, MarketDecoder
from tradingbot.venues.gmo.ws import PublicStream, Subscription

from tests.unit.venues.market_checks import assert_valid_event, verdict
from tests.unit.venues.market_frames import SUBSCRIBED, hostile_frame, valid_frame

SETTINGS = settings(max_examples=400, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))  # fmt: skip
HOSTILE = st.builds(hostile_frame, st.randoms(use_true_random=False))
ANY_INPUT = HOSTILE | st.text(max_size=300) | st.binary(max_size=300)


@SETTINGS
@given(frame=ANY_INPUT)
def test_any_input_is_a_valid_event_or_counted(frame: bytes | str) -> None:
    delivered: list[object] = []
    stream = PublicStream("ws://127.0.0.1:9/x", [Subscription("ticker", s) for s in SUBSCRIBED],
                          on_event=delivered.append)  # fmt: skip
    stream._handle(frame)  # must not raise
    assert len(delivered) + stream.malformed_frames == 1
    for event in delivered:
        assert_valid_event(event, SUBSCRIBED)


@SETTINGS
@given(frame=HOSTILE)
def test_decoder_agrees_with_the_reference(frame: bytes | str) -> None:
    product, expected = verdict(MarketDecoder(symbols=SUBSCRIBED), frame)
    assert product == expected


@SETTINGS
@given(frame=HOSTILE)
# Found by this test: a trade whose side is a list made the checked path raise TypeError (unhashable).
@example(frame='{"channel":"trades","price":"1","side":[{"price":"1"}],"size":"1",'
         '"timestamp":"2026-11-27T06:00:00Z","symbol":"BTC_JPY"}')  # fmt: skip
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "pure-python"])
def test_fast_path_agrees_with_the_checked_path(frame: bytes | str, compiled: bool) -> None:
    """Both fast paths: the compiled scanner first (where built), and the pure-Python one alone."""
    reason: str | None = None
    try:
        checked = decode_checked(frame, frozenset(SUBSCRIBED))
    except Refused as exc:
        reason = exc.reason
    decoder = MarketDecoder(symbols=SUBSCRIBED, compiled=compiled)
    if reason is None:
        assert decoder.decode(frame) == checked
    else:
        with pytest.raises(MalformedFrame) as info:
            decoder.decode(frame)
        assert info.value.reason == reason


@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_valid_frames_are_all_accepted(rng: random.Random) -> None:
    frame = orjson.dumps(valid_frame(rng))
    decoder = MarketDecoder(symbols=SUBSCRIBED)
    product, expected = verdict(decoder, frame)
    assert product is not None
    assert product == expected
