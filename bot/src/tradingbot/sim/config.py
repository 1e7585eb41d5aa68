"""Simulator settings: one frozen-by-convention dataclass, no environment reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

# Placeholders for paper trading against the simulator; they guard nothing real.
PAPER_API_KEY = "paper-sim-key"
PAPER_API_SECRET = "paper-sim-secret"  # noqa: S105 - a published placeholder, not a secret


@dataclass(frozen=True)
class SymbolSpec:
    """Trading rules of one leverage symbol as served by GET /public/v1/symbols."""

    symbol: str
    min_order_size: Decimal
    max_order_size: Decimal
    size_step: Decimal
    tick_size: Decimal
    initial_price: Decimal
    taker_fee: Decimal = Decimal("0")
    maker_fee: Decimal = Decimal("0")


# Rules shaped like GMO's leverage symbols (fees are 0 there; tests override them to exercise fee math).
DEFAULT_SPECS: Mapping[str, SymbolSpec] = {
    "BTC_JPY": SymbolSpec(
        "BTC_JPY", Decimal("0.01"), Decimal("5"), Decimal("0.01"), Decimal("1"), Decimal("15000000")
    ),
    "ETH_JPY": SymbolSpec(
        "ETH_JPY", Decimal("0.1"), Decimal("50"), Decimal("0.1"), Decimal("1"), Decimal("500000")
    ),
    "XRP_JPY": SymbolSpec(
        "XRP_JPY", Decimal("10"), Decimal("100000"), Decimal("10"), Decimal("0.001"), Decimal("90")
    ),
}


def _default_credentials() -> dict[str, str]:
    return {PAPER_API_KEY: PAPER_API_SECRET}


@dataclass
class SimConfig:
    seed: int = 42
    symbols: tuple[str, ...] = ("BTC_JPY", "ETH_JPY")
    # Seconds between price-process steps; 0 means manual stepping only (``await sim.step(n)``).
    tick_interval: float = 0.25
    credentials: dict[str, str] = field(default_factory=_default_credentials)
    initial_jpy: Decimal = Decimal("10000000")
    get_per_second: int = 20
    post_per_second: int = 20
    # Private REST limits are counted over a sliding window of this many seconds.
    rate_window: float = 1.0
    leverage: Decimal = Decimal("2")
    # Standard deviation of the log return per step.
    volatility: float = 0.0005
    book_levels: int = 20
    # How far API-TIMESTAMP may be from the server clock, in milliseconds, either way.
    timestamp_tolerance_ms: int = 5000
    # Minimum seconds between two subscribe/unsubscribe messages on one WS connection (GMO: 1 a second).
    ws_subscribe_interval: float = 1.0
    ws_ping_interval: float = 60.0
    ws_max_missed_pings: int = 3
    ws_token_ttl: float = 3600.0
    max_ws_tokens: int = 5
    # Frames queued per WS connection before it counts as slow and is closed.
    ws_queue_size: int = 4096
    # Seconds between positionSummaryEvents PERIODIC frames.
    periodic_interval: float = 5.0
    # Cap on stored executions, finished orders and public trades so long runs stay bounded.
    history_cap: int = 10000
    symbol_specs: Mapping[str, SymbolSpec] = field(default_factory=lambda: dict(DEFAULT_SPECS))

    def __post_init__(self) -> None:
        unknown = [s for s in self.symbols if s not in self.symbol_specs]
        if unknown:
            raise ValueError(f"unknown simulator symbol(s) {unknown}; known: {sorted(self.symbol_specs)}")
        if not self.symbols:
            raise ValueError("SimConfig.symbols is empty; give at least one symbol, e.g. ('BTC_JPY',)")
        if self.tick_interval < 0:
            raise ValueError(f"tick_interval={self.tick_interval} must be >= 0 (0 = manual stepping)")
        if self.get_per_second < 1 or self.post_per_second < 1:
            raise ValueError(
                f"get_per_second={self.get_per_second}, post_per_second={self.post_per_second}: "
                "both must be >= 1"
            )
        if not 1 <= self.book_levels <= 100:
            raise ValueError(f"book_levels={self.book_levels} must be between 1 and 100")

    def spec(self, symbol: str) -> SymbolSpec:
        return self.symbol_specs[symbol]
