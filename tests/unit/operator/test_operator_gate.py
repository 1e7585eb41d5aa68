"""The health gate state machine with a fake clock (plain floats; no sleeping)."""

from __future__ import annotations

from tradingbot_operator import gate
from tradingbot_operator.gate import GateResult, GateState, ProbeResult
from tradingbot_operator.spec import HealthGate

POLICY = HealthGate(
    initialDelaySeconds=10,
    periodSeconds=5,
    successThreshold=3,
    failureThreshold=2,
    progressDeadlineSeconds=60,
)
H, U, P = ProbeResult.HEALTHY, ProbeResult.UNHEALTHY, ProbeResult.PENDING


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def run(results: list[ProbeResult], clock: FakeClock) -> GateState:
    state = gate.start("rev1", clock(), POLICY)
    for result in results:
        clock.advance(gate.seconds_until_next(state, clock(), POLICY))
        assert gate.is_due(state, clock())
        state = gate.record(state, result, clock(), POLICY)
    return state


def test_no_probe_before_the_initial_delay() -> None:
    clock = FakeClock()
    state = gate.start("rev1", clock(), POLICY)
    clock.advance(9.9)
    assert not gate.is_due(state, clock())
    clock.advance(0.1)
    assert gate.is_due(state, clock())


def test_success_threshold_consecutive_healthy_probes_pass() -> None:
    clock = FakeClock()
    state = run([H, H], clock)
    assert state.result is GateResult.PENDING
    state = gate.record(state, H, clock(), POLICY)
    assert state.result is GateResult.PASSED
    assert state.probes == 3


def test_an_unhealthy_probe_resets_the_success_streak() -> None:
    state = run([H, H, U, H, H], FakeClock())
    assert state.result is GateResult.PENDING
    assert (state.successes, state.failures) == (2, 0)


def test_failure_threshold_consecutive_unhealthy_probes_fail() -> None:
    state = run([U, H, U, U], FakeClock())
    assert state.result is GateResult.FAILED
    assert "2 consecutive unhealthy probes" in state.reason


def test_pending_probes_do_not_count_but_the_deadline_does() -> None:
    clock = FakeClock()
    state = run([P] * 5, clock)
    assert state.result is GateResult.PENDING
    assert state.probes == 0
    clock.advance(60)
    state = gate.check_deadline(state, clock(), POLICY)
    assert state.result is GateResult.FAILED
    assert "progress deadline of 60s exceeded" in state.reason


def test_deadline_checked_after_a_probe() -> None:
    clock = FakeClock()
    state = gate.start("rev1", clock(), POLICY)
    clock.advance(61)
    state = gate.record(state, H, clock(), POLICY)
    assert state.result is GateResult.FAILED


def test_finished_gate_ignores_further_probes() -> None:
    clock = FakeClock()
    state = run([H, H, H], clock)
    assert gate.record(state, U, clock(), POLICY) == state
    assert not gate.is_due(state, clock() + 100)


def test_state_round_trips_through_status_so_a_restart_resumes() -> None:
    clock = FakeClock()
    state = run([H, H], clock)
    restored = GateState.from_status(state.to_status())
    assert restored == state
    restored = gate.record(restored, H, clock() + 5, POLICY)
    assert restored.result is GateResult.PASSED


def test_sleep_is_bounded_by_the_next_probe_and_the_deadline() -> None:
    clock = FakeClock()
    state = gate.start("rev1", clock(), POLICY)
    assert gate.seconds_until_next(state, clock(), POLICY) == 10
    # A deadline the model refuses (the gate could never pass): built without validation to test the
    # gate machine's own deadline arithmetic.
    short = HealthGate.model_construct(initialDelaySeconds=10, periodSeconds=5, progressDeadlineSeconds=12)
    assert gate.seconds_until_next(gate.start("r", 0.0, short), 5.0, short) == 5


def test_a_pending_pod_is_looked_at_again_sooner_than_a_period() -> None:
    clock = FakeClock()
    state = gate.start("rev1", clock(), POLICY)
    clock.advance(10)
    state = gate.record(state, P, clock(), POLICY)
    assert gate.seconds_until_next(state, clock(), POLICY) == gate.PENDING_RECHECK_SECONDS
    fast = HealthGate(initialDelaySeconds=0, periodSeconds=0.2, progressDeadlineSeconds=5)
    state = gate.record(gate.start("r", 0.0, fast), P, 0.0, fast)
    assert state.next_probe_at == 0.2
    state = gate.record(state, U, 0.2, fast)
    assert state.next_probe_at == 0.2 + 0.2
