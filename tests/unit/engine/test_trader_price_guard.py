"""The real Trader with the price guard: what reaches the strategy and what passes the gate.

The order manager is a recorder (a dependency, not the thing under test); the trader, the guard, the
reporter and the risk gate are the real ones.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tradingbot.engine.orders import OrderIntent, Outcome, SubmitResult
from tradingbot.engine.reconcile import Exposure
from tradingbot.engine.reporting import Journal, Reporter, RunInfo
from tradingbot.engine.state import EngineState, EngineTiming, Wakeups
from tradingbot.engine.trader import Trader
from tradingbot.marketdata import Ticker
from tradingbot.ops.artifacts import ArtifactWriter
from tradingbot.ops.health import ReconciliationSummary
from tradingbot.ops.metrics import BotMetrics
from tradingbot.risk import PriceGuardSettings
from tradingbot.strategy import Action, Decision, MarketView, Side

BASE = Decimal("15000000")
SYMBOL = "BTC_JPY"


class Recorder:
    """Stands in for the OrderManager: records each intent with the price the trader held."""

    def __init__(self, state: EngineState) -> None:
        self.state = state
        self.sent: list[tuple[OrderIntent, Decimal | None]] = []
        self.during_send: list[Ticker] = []
        self.trader: Trader | None = None

    async def submit(self, intent: OrderIntent) -> SubmitResult:
        self.sent.append((intent, self.state.price))
        # Market data that arrives while the send is in flight.
        for ticker in self.during_send:
            assert self.trader is not None
            self.trader.on_market(ticker)
        self.during_send = []
        return SubmitResult(Outcome.REJECTED, detail="recorded")


class Scripted:
    name = "scripted"

    def __init__(self, actions: tuple[Action, ...]) -> None:
        self.actions = actions
        self.seen: list[Decimal] = []

    def on_price(self, view: MarketView) -> list[Decision]:
        self.seen.append(view.price)
        side = {Action.OPEN: Side.BUY, Action.CLOSE: Side.SELL}
        return [Decision(SYMBOL, side[a], Decimal("0.01"), a, "test") for a in self.actions]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def build(
    tmp: Path, actions: tuple[Action, ...], n: int = 3, clock: FakeClock | None = None
) -> tuple[Trader, Recorder, Scripted, list[str]]:
    state = EngineState(SYMBOL)
    state.reconciliation = ReconciliationSummary(ok=True)
    state.exposure = Exposure(long=Decimal("0.05"))
    wakeups = Wakeups()
    metrics = BotMetrics()
    run = RunInfo("r", datetime.now(UTC), "paper", SYMBOL)
    audit: list[str] = []

    class ListJournal(Journal):
        def audit(self, event: str, fields: dict[str, object] | None = None) -> None:  # type: ignore[override]
            audit.append(f"{event} {fields}")

    journal = ListJournal(run)
    reporter = Reporter(run, state, wakeups, metrics, ArtifactWriter(tmp), journal, EngineTiming())
    orders = Recorder(state)
    strategy = Scripted(actions)
    trader = Trader(
        state, wakeups, strategy, orders, metrics, journal, reporter,  # type: ignore[arg-type]
        guard=PriceGuardSettings(confirmations=n), clock=clock or FakeClock(),
    )  # fmt: skip
    orders.trader = trader
    return trader, orders, strategy, audit


def tick(price: Decimal) -> Ticker:
    return Ticker(SYMBOL, price, price, price, Decimal(1), datetime.now(UTC))


async def feed(trader: Trader, price: Decimal) -> None:
    trader.on_market(tick(price))
    if trader.wakeups.tick.is_set():
        trader.wakeups.tick.clear()
        await trader.trade_once()


prices = st.integers(min_value=50, max_value=200).map(lambda k: BASE * k / 100)


@settings(max_examples=150, deadline=None)
@given(st.lists(prices, min_size=1, max_size=40), st.integers(min_value=2, max_value=4))
def test_an_order_is_never_opened_on_a_price_that_jumped_and_was_not_confirmed(
    tmp_path_factory: object, updates: list[Decimal], n: int
) -> None:
    tmp = tmp_path_factory.mktemp("trader")  # type: ignore[attr-defined]
    trader, orders, strategy, _ = build(tmp, (Action.OPEN,), n)

    traded_at: list[int] = []  # the index of the update each opening came from

    async def run() -> None:
        for i, p in enumerate(updates):
            before = len(orders.sent)
            await feed(trader, p)
            traded_at.extend([i] * (len(orders.sent) - before))

    asyncio.run(run())
    bound = trader.guard.settings.max_jump
    opened = [price for intent, price in orders.sent if intent.action is Action.OPEN]
    assert opened == strategy.seen == [updates[i] for i in traded_at]
    # A jump from the previous traded price needs the n updates before it (the raw feed) to agree.
    for k in range(1, len(traded_at)):
        price, previous = updates[traded_at[k]], updates[traded_at[k - 1]]
        if abs(price - previous) > bound * previous:
            i = traded_at[k]
            run_ = updates[i - n + 1 : i + 1]
            assert len(run_) == n, (updates, traded_at)
            assert all(abs(p - run_[0]) <= bound * run_[0] for p in run_), (updates, traded_at)


async def test_a_trip_during_a_send_stops_the_next_opening_but_not_a_reduction(tmp_path: Path) -> None:
    trader, orders, _, audit = build(tmp_path, (Action.CLOSE, Action.OPEN, Action.CLOSE))
    await feed(trader, BASE)
    assert [i.action for i, _ in orders.sent] == [Action.CLOSE, Action.OPEN, Action.CLOSE]
    orders.sent.clear()
    orders.during_send = [tick(BASE * Decimal("1.95"))]  # a jump arrives while the CLOSE is sent
    await feed(trader, BASE * Decimal("1.001"))
    assert [i.action for i, _ in orders.sent] == [Action.CLOSE, Action.CLOSE]
    assert any("price guard unconfirmed: opening not allowed" in line for line in audit)
    assert trader.metrics.price_guard_trips.labels(reason="jump")._value.get() == 1
    assert any(line.startswith("price_guard_trip") for line in audit)


async def test_stale_data_stops_opening_at_decision_time_and_counts_one_trip(tmp_path: Path) -> None:
    """A send that outlasts STALE_AFTER: the next opening of the same iteration is refused, the close
    passes; the guard's clock (the trader's watch) records one stale trip."""
    clock = FakeClock()
    trader, orders, _, audit = build(tmp_path, (Action.CLOSE, Action.OPEN), clock=clock)
    original = orders.submit

    async def slow_submit(intent: OrderIntent) -> SubmitResult:
        clock.now += 31.0  # the exchange took longer than STALE_AFTER (30 s) to answer
        return await original(intent)

    orders.submit = slow_submit  # type: ignore[method-assign]
    await feed(trader, BASE)
    assert [i.action for i, _ in orders.sent] == [Action.CLOSE]
    assert any("price guard stale: opening not allowed" in line for line in audit)
    trader.watch()
    trader.watch()
    assert trader.metrics.price_guard_trips.labels(reason="stale")._value.get() == 1
    # Fresh data: opening allowed again (and no second trip).
    orders.submit = original  # type: ignore[method-assign]
    orders.sent.clear()
    await feed(trader, BASE)
    assert [i.action for i, _ in orders.sent] == [Action.CLOSE, Action.OPEN]
