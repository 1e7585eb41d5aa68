"""FaultPlan semantics and the WS token registry (fake clock)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradingbot.sim.faults import FaultPlan
from tradingbot.sim.tokens import TokenError, TokenRegistry


def test_defaults_are_off() -> None:
    plan = FaultPlan()
    assert plan.as_dict() == {
        "latency_ms": 0,
        "http_5xx_next": 0,
        "rate_limit_next": 0,
        "maintenance": None,
        "ws_stall": False,
        "malformed_next": 0,
        "accept_then_timeout_next": 0,
        "bad_frames": (),
        "bad_frame_price": None,
    }


def test_take_counts_down() -> None:
    plan = FaultPlan(http_5xx_next=2)
    assert [plan.take("http_5xx_next") for _ in range(3)] == [True, True, False]
    assert plan.http_5xx_next == 0


def test_update_validates_everything_before_applying() -> None:
    plan = FaultPlan()
    plan.update({"latency_ms": 50, "maintenance": "ERR-5203", "ws_stall": True})
    assert (plan.latency_ms, plan.maintenance, plan.ws_stall) == (50, "ERR-5203", True)
    for bad, match in (
        ({"maintenance": "ERR-1"}, "maintenance='ERR-1'"),
        ({"latency_ms": -1}, "latency_ms=-1"),
        ({"http_5xx_next": True}, "http_5xx_next=True"),
        ({"ws_stall": 1}, "ws_stall=1"),
        ({"nope": 1}, "unknown fault 'nope'"),
        ({"rate_limit_next": 3, "bogus": 1}, "unknown fault"),
        ({"rate_limit_next": 3, "bad_frames": ["ticker:nope"]}, "bad_frames entry 'ticker:nope'"),
        ({"bad_frame_price": "-1"}, "bad_frame_price='-1'"),
    ):
        with pytest.raises(ValueError, match=match):
            plan.update(bad)
    assert plan.rate_limit_next == 0  # nothing applied from a rejected update
    plan.update({"bad_frames": ["trades:hold_side"], "bad_frame_price": "15300000"})
    assert (plan.bad_frames, plan.bad_frame_price) == (("trades:hold_side",), "15300000")
    plan.reset()
    assert plan.as_dict() == FaultPlan().as_dict()


def test_methods_call_the_wired_hooks() -> None:
    calls: list[str] = []
    plan = FaultPlan()
    plan._drop_ws = lambda: calls.append("drop")
    plan._expire_ws_tokens = lambda: calls.append("expire")
    plan.drop_ws()
    plan.expire_ws_tokens()
    assert calls == ["drop", "expire"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tokens_expire_extend_delete_and_evict() -> None:
    clock = FakeClock()
    tokens = TokenRegistry(3600, 5, clock=clock)
    evicted: list[list[str]] = []
    tokens.on_evict = evicted.append
    first = tokens.create("k")
    assert tokens.owner(first) == "k"
    clock.now = 3000
    tokens.extend("k", first)
    clock.now = 3700
    assert tokens.owner(first) == "k"  # extended to 6600
    others = []
    for step in range(4):
        clock.now = 3700 + step  # expiries 7300, 7301, 7302, 7303: all later than first's 6600
        others.append(tokens.create("k"))
    assert tokens.count("k") == 5
    assert evicted == []
    # A sixth evicts the token nearest to its expiry (first, extended to 6600), not the oldest-created.
    sixth = tokens.create("k")
    assert evicted == [[first]]
    assert tokens.owner(first) is None
    assert tokens.count("k") == 5
    assert tokens.evictions == 1
    # Another key's tokens are counted apart and never evicted by this key.
    assert tokens.create("other-key")
    assert tokens.counts() == {"k": 5, "other-key": 1}
    seventh = tokens.create("k")
    assert evicted[-1] == [others[0]]  # now the nearest to expiry (7300)
    tokens.delete("k", others[1])
    assert tokens.owner(others[1]) is None
    assert tokens.count("k") == 4
    clock.now = 3700 + 3600 + 2  # others[2] (7302) and earlier are gone; 7303 and later live
    assert tokens.owner(others[2]) is None
    assert tokens.owner(others[3]) == "k"
    with pytest.raises(TokenError):
        tokens.extend("k", others[2])
    with pytest.raises(TokenError):
        tokens.delete("other-key", others[3])  # someone else's token
    assert tokens.expired([others[3], sixth, seventh, "nope"]) == ["nope"]
    assert set(tokens.expire_all())
    assert len(tokens) == 0


def _expiry_nearest_is_evicted(created_at: list[float]) -> None:
    clock = FakeClock()
    tokens = TokenRegistry(100_000, 5, clock=clock)  # nothing expires during the test
    evicted: list[list[str]] = []
    tokens.on_evict = evicted.append
    made = {}
    for moment in created_at:
        clock.now = moment
        made[tokens.create("k")] = moment
    clock.now = max(created_at)
    tokens.create("k")
    assert [made[v] for v in evicted[0]] == [min(created_at)]
    assert tokens.count("k") == 5


@given(st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), min_size=5, max_size=5))
def test_sixth_token_evicts_the_one_nearest_expiry(created_at: list[float]) -> None:
    # Tokens created in any order of time: the one created earliest expires first and goes.
    _expiry_nearest_is_evicted(sorted(created_at))
