"""What the engine's parts share: the timings, the live state and the wake-ups between the tasks.

Each part owns the fields it writes (trader: price, the price guard and loop figures; account: exposure,
equity, risk, halted; reconciler: reconciliation; reporter: streams); the others only read them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from tradingbot.engine.reconcile import Exposure
from tradingbot.exchange.ports import FeedState
from tradingbot.ops.health import ReconciliationSummary
from tradingbot.risk import PriceGuard, RiskDecision, RiskFigures, RiskStatus


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EngineTiming:
    """Intervals of the background tasks; tests shrink them."""

    account_every: float = 1.0
    account_min_gap: float = 0.25
    resolve_every: float = 0.5
    progress_every: float = 5.0
    recheck_mismatch_every: float = 5.0
    settle_after: float = 5.0
    # /healthz turns 503 when the trading loop has not completed an iteration for this long while the
    # streams still look connected (a stuck loop must not look ready). Quiet markets are caught earlier by
    # the public stream's stale detection (reconnecting), so this only fires on a wedged loop.
    max_loop_age: float = 60.0


DaemonTiming = EngineTiming
"""The name the tests and the benchmarks have always used."""


@dataclass
class EngineState:
    symbol: str
    streams: dict[str, FeedState | None] = field(default_factory=lambda: {"public": None, "private": None})
    risk: RiskDecision = field(default_factory=lambda: RiskDecision(RiskStatus.OK))
    halted: bool = False
    reconciliation: ReconciliationSummary = field(default_factory=lambda: ReconciliationSummary(ok=False))
    exposure: Exposure = field(default_factory=Exposure)
    price: Decimal | None = None
    equity: Decimal | None = None
    unrealised: Decimal | None = None  # the exchange's lossGain of the open positions (status page)
    realised_total: Decimal | None = None  # the store's realised P&L net of fees since the first fill
    figures: RiskFigures | None = None
    average_price: Decimal | None = None  # size-weighted entry price of the open positions (status line)
    day_pnl: Decimal | None = None  # equity minus equity at the start of the trading day (status line)
    # Operator pause (tradingbot pause): no new positions, reducing still allowed; persisted (engine.pause).
    paused: bool = False
    last_loop_at: datetime | None = None
    loop_count: int = 0
    loop_failures: int = 0
    last_order_mono: float = 0.0
    guard: PriceGuard | None = None
    """The trader's price guard (set by the trader; the reporter reads its status)."""

    def trading_allowed(self) -> bool:
        return not self.halted and self.reconciliation.ok and self.risk.status is not RiskStatus.ABORT


@dataclass
class Wakeups:
    """Events between the tasks: a new price, "read the account now", "write progress now"."""

    tick: asyncio.Event = field(default_factory=asyncio.Event)
    account: asyncio.Event = field(default_factory=asyncio.Event)
    progress: asyncio.Event = field(default_factory=asyncio.Event)
