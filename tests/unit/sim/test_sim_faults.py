"""FaultPlan semantics and the WS token registry (fake clock)."""

from __future__ import annotations

import pytest
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
    ):
        with pytest.raises(ValueError, match=match):
            plan.update(bad)
    assert plan.rate_limit_next == 0  # nothing applied from a rejected update
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


def test_tokens_expire_extend_delete_and_cap() -> None:
    clock = FakeClock()
    tokens = TokenRegistry(3600, 5, clock=clock)
    first = tokens.create("k")
    assert tokens.owner(first) == "k"
    clock.now = 3000
    tokens.extend("k", first)
    clock.now = 3700
    assert tokens.owner(first) == "k"  # extended to 6600
    others = [tokens.create("k") for _ in range(4)]
    with pytest.raises(TokenError, match="at most 5"):
        tokens.create("k")
    assert tokens.create("other-key")
    tokens.delete("k", others[0])
    assert tokens.owner(others[0]) is None
    tokens.create("k")
    clock.now = 6600
    assert tokens.owner(first) is None
    with pytest.raises(TokenError):
        tokens.extend("k", first)
    with pytest.raises(TokenError):
        tokens.delete("other-key", others[1])  # someone else's token
    assert tokens.expired([others[1], "nope"]) == ["nope"]
    assert set(tokens.expire_all())
    assert len(tokens) == 0
