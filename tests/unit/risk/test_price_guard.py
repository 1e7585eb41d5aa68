"""The price guard, pure: property tests against a plain reading of the rules, and the confirmation rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tradingbot.config import ConfigError, load_settings
from tradingbot.risk import GuardState, PriceGuard, PriceGuardSettings, RiskStatus, permits

S = PriceGuardSettings()  # 3 % within 10 s, 3 confirmations, 30 s stale, 30 s divergent
BASE = Decimal("15000000")

# Prices on a coarse grid so that runs of equal and near prices are common; times in small steps.
prices = st.integers(min_value=50, max_value=200).map(lambda k: BASE * k / 100)
steps = st.tuples(st.floats(min_value=0, max_value=4, allow_nan=False), prices)


def beyond(price: Decimal, ref: Decimal, bound: Decimal) -> bool:
    return abs(price - ref) > bound * ref


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, min_size=1, max_size=60), st.integers(min_value=2, max_value=5))
def test_no_price_beyond_the_bound_is_accepted_unless_n_consistent_updates_confirm_it(
    updates: list[tuple[float, Decimal]], n: int
) -> None:
    """Oracle: an accepted price that is beyond max_jump of any price accepted within the window (or of
    the last accepted one) must end a run of n updates all within max_jump of the run's first."""
    cfg = PriceGuardSettings(confirmations=n)
    guard = PriceGuard(cfg, started_at=0.0)
    now = 0.0
    history: list[tuple[float, Decimal]] = []
    accepted: list[tuple[float, Decimal]] = []
    for dt, price in updates:
        now += dt
        ok = guard.observe(price, now).accepted
        history.append((now, price))
        if ok and accepted:
            refs = [p for t, p in accepted if t >= now - cfg.window] + [accepted[-1][1]]
            if any(beyond(price, r, cfg.max_jump) for r in refs):
                run = [p for _, p in history[-n:]]
                assert len(run) == n, (history, accepted)
                assert not any(beyond(p, run[0], cfg.max_jump) for p in run), (history, accepted)
        if ok:
            accepted.append((now, price))


@settings(max_examples=200, deadline=None)
@given(st.lists(steps, max_size=40), prices, st.integers(min_value=2, max_value=6))
def test_n_equal_updates_always_confirm_whatever_came_before(
    before: list[tuple[float, Decimal]], price: Decimal, n: int
) -> None:
    guard = PriceGuard(PriceGuardSettings(confirmations=n), started_at=0.0)
    now = 0.0
    for dt, p in before:
        now += dt
        guard.observe(p, now)
    verdicts = [guard.observe(price, now + 0.1 * (i + 1)) for i in range(n)]
    assert verdicts[-1].accepted
    assert guard.status(now + 0.1 * n).state is GuardState.OK


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2, max_value=10), st.integers(min_value=4, max_value=80))
def test_a_feed_alternating_95_percent_is_never_traded_after_the_first_trip(n: int, length: int) -> None:
    guard = PriceGuard(PriceGuardSettings(confirmations=n), started_at=0.0)
    high = BASE * Decimal("1.95")
    assert guard.observe(BASE, 0.0).accepted  # the first price is the reference
    verdicts = [guard.observe(high if i % 2 == 0 else BASE, 0.25 * (i + 1)) for i in range(length)]
    assert verdicts[0].trip == "jump"
    assert not any(v.accepted for v in verdicts)
    assert [v.trip for v in verdicts].count("jump") == 1  # one trip: the spell goes on
    assert not guard.want_rest_check() or not guard.confirm_with_rest(high, 99.0).confirmed


def test_a_ramp_of_small_steps_trips_within_the_window() -> None:
    """Each step is 1 %, under the bound; the window still sees the 3.03 % move of the third step."""
    guard = PriceGuard(S, started_at=0.0)
    price = BASE
    verdicts = []
    for i in range(4):
        verdicts.append(guard.observe(price, float(i)))
        price = price * Decimal("1.01")
    assert [v.accepted for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].trip == "jump"


def test_the_same_ramp_spread_beyond_the_window_is_a_market_moving() -> None:
    guard = PriceGuard(S, started_at=0.0)
    price = BASE
    for i in range(10):
        assert guard.observe(price, 6.0 * i).accepted, i
        price = price * Decimal("1.02")


def test_a_run_is_counted_from_its_first_price_and_restarts_on_a_far_update() -> None:
    guard = PriceGuard(S, started_at=0.0)
    guard.observe(BASE, 0.0)
    jump = BASE * Decimal("1.10")
    assert guard.observe(jump, 1.0).trip == "jump"
    assert not guard.observe(jump * Decimal("1.02"), 1.1).accepted  # near the candidate: run 2
    assert not guard.observe(jump * Decimal("1.04"), 1.2).accepted  # 4 % from the candidate: restart
    assert not guard.observe(jump * Decimal("1.04"), 1.3).accepted  # run 2 of the new candidate
    verdict = guard.observe(jump * Decimal("1.04"), 1.4)
    assert verdict.accepted
    assert verdict.confirmed
    assert verdict.after_trip
    # The confirmed price is the new reference: the old one no longer counts.
    assert guard.observe(jump * Decimal("1.05"), 1.5).accepted
    assert guard.observe(BASE, 1.6).trip == "jump"


def test_a_rest_read_confirms_a_clean_jump_but_accepts_nothing_itself() -> None:
    guard = PriceGuard(S, started_at=0.0)
    guard.observe(BASE, 0.0)
    jump = BASE * Decimal("1.2")
    guard.observe(jump, 1.0)
    assert guard.want_rest_check()
    assert not guard.want_rest_check()  # once per candidate
    assert not guard.confirm_with_rest(BASE, 1.1).confirmed  # REST still says the old price
    assert guard.status(1.1).state is GuardState.UNCONFIRMED
    verdict = guard.confirm_with_rest(jump * Decimal("1.001"), 1.2)
    assert verdict.confirmed
    assert verdict.after_trip
    assert not verdict.accepted
    assert guard.status(1.2).state is GuardState.OK
    assert guard.observe(jump, 1.3).accepted


def test_a_rest_read_cannot_confirm_a_flapping_feed() -> None:
    guard = PriceGuard(S, started_at=0.0)
    guard.observe(BASE, 0.0)
    jump = BASE * Decimal("1.95")
    guard.observe(jump, 1.0)
    guard.observe(BASE, 1.1)  # the candidate changed: flapping
    assert not guard.want_rest_check()
    assert not guard.confirm_with_rest(BASE, 1.2).confirmed
    # Nor right after a confirmation: the next trip within the window is the same disturbance.
    guard2 = PriceGuard(S, started_at=0.0)
    guard2.observe(BASE, 0.0)
    guard2.observe(jump, 1.0)
    assert guard2.want_rest_check()
    assert guard2.confirm_with_rest(jump, 1.1).confirmed
    assert guard2.observe(BASE, 1.2).trip == "jump"
    assert not guard2.want_rest_check()
    assert not guard2.confirm_with_rest(BASE, 1.3).confirmed


def test_stale_after_silence_once_per_silence_and_blocks_opening() -> None:
    guard = PriceGuard(S, started_at=0.0)
    assert guard.poll(29.9) is None
    assert guard.opening_allowed(29.9)
    assert guard.poll(30.0) == "stale"
    assert guard.poll(45.0) is None  # one trip per silence
    assert guard.status(45.0).state is GuardState.STALE
    assert not guard.opening_allowed(45.0)
    assert guard.observe(BASE, 46.0).accepted
    assert guard.status(46.0).state is GuardState.OK
    assert guard.poll(76.0) == "stale"
    assert guard.trips == 2


def test_unconfirmed_turns_divergent_after_persist_after() -> None:
    guard = PriceGuard(S, started_at=0.0)
    guard.observe(BASE, 0.0)
    guard.observe(BASE * 2, 1.0)
    assert guard.status(30.9).state is GuardState.UNCONFIRMED
    for i in range(1, 30):  # the feed keeps flapping, so the data is not stale
        guard.observe(BASE if i % 2 else BASE * 2, 1.0 + i)
    assert guard.status(31.0).state is GuardState.DIVERGENT
    assert not guard.opening_allowed(31.0)


@given(st.sampled_from(list(RiskStatus)), st.booleans(), st.booleans())
def test_the_one_risk_gate_blocks_opening_on_an_untrusted_price_and_lets_reducing_through(
    status: RiskStatus, reduces: bool, trusted: bool
) -> None:
    allowed = permits(status, reduces=reduces, price_trusted=trusted)
    if reduces:
        assert allowed is (status is not RiskStatus.ABORT)
    else:
        assert allowed is (status is RiskStatus.OK and trusted)


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [
        ("MAX_JUMP", "0", "0.001..0.5"),
        ("MAX_JUMP", "0.9", "0.001..0.5"),
        ("WINDOW", "0.5", "1.0..3600.0"),
        ("CONFIRMATIONS", "1", "2..100"),
        ("STALE_AFTER", "99999", "1.0..3600.0"),
        ("PERSIST_AFTER", "-1", "1.0..3600.0"),
    ],
)
def test_settings_refuse_values_out_of_range_naming_the_variable_and_the_range(
    name: str, value: str, accepted: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({f"TRADINGBOT_PRICE_GUARD__{name}": value})
    (problem,) = info.value.problems
    assert problem.startswith(f"TRADINGBOT_PRICE_GUARD__{name}=")
    assert accepted in problem


def test_settings_defaults_and_overrides() -> None:
    assert load_settings({}).price_guard == S
    g = load_settings(
        {"TRADINGBOT_PRICE_GUARD__MAX_JUMP": "0.05", "TRADINGBOT_PRICE_GUARD__CONFIRMATIONS": "4"}
    ).price_guard
    assert (g.max_jump, g.confirmations, g.window) == (Decimal("0.05"), 4, 10.0)
