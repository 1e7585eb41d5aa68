"""Replay: recorded market data through the strategy and the risk gate, without an exchange.

Input: recorded frames in neutral terms (:data:`tradingbot.exchange.RecordedFrame`, one per recorded
frame: a validated market event, a malformed frame, or a frame without market data); the venue adapter
turns its recordings into these (``tradingbot.venues.gmo.feeds.recorded`` for GMO's JSONL of public
frames, as received).

Each ticker of the symbol gives the strategy a mid price; its decisions pass the risk gate
(:func:`tradingbot.risk.permits`) and are filled at that price in a paper ledger (open/close by GMO's
separate long and short positions), and the risk matrix is evaluated on the ledger's figures after
every fill. The summary is deterministic for a given file and settings, so
it can be stored as an expectation and compared (``python -m tradingbot replay FILE --expect EXP``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from tradingbot.engine.reconcile import Exposure
from tradingbot.exchange.ports import Malformed, RecordedFrame
from tradingbot.marketdata import Ticker
from tradingbot.risk import RiskFigures, RiskLimits, RiskStatus, evaluate, permits
from tradingbot.strategy import Action, MarketView, Side, Strategy

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "replay_sample.jsonl"
SAMPLE_EXPECTATION = SAMPLE_FILE.with_name("replay_sample.expected.json")


@dataclass
class _Ledger:
    exposure: Exposure
    cash: Decimal
    long_cost: Decimal = Decimal(0)
    short_cost: Decimal = Decimal(0)

    def fill(self, side: Side, action: Action, size: Decimal, price: Decimal) -> None:
        if action is Action.OPEN:
            if side is Side.BUY:
                self.long_cost += size * price
            else:
                self.short_cost += size * price
            self.exposure = self.exposure.apply(side, "OPEN", size)
            return
        if side is Side.SELL and self.exposure.long > 0:  # closing longs
            avg = self.long_cost / self.exposure.long
            self.cash += (price - avg) * size
            self.long_cost -= avg * size
        elif side is Side.BUY and self.exposure.short > 0:
            avg = self.short_cost / self.exposure.short
            self.cash += (avg - price) * size
            self.short_cost -= avg * size
        self.exposure = self.exposure.apply(side, "CLOSE", size)

    def equity(self, price: Decimal) -> Decimal:
        upl = self.exposure.long * price - self.long_cost + self.short_cost - self.exposure.short * price
        return self.cash + upl


class ReplayObserver(Protocol):
    """Sees each paper fill (with the P&L it realised) and the equity after each ticker (reports/)."""

    def on_fill(
        self, at: datetime, side: str, action: str, size: Decimal, price: Decimal, realised: Decimal
    ) -> None: ...

    def on_mark(self, at: datetime, equity: Decimal) -> None: ...


def replay(
    frames: Iterable[RecordedFrame],
    *,
    symbol: str,
    strategy: Strategy,
    limits: RiskLimits,
    initial_equity: Decimal = Decimal("10000000"),
    observer: ReplayObserver | None = None,
) -> dict[str, Any]:
    ledger = _Ledger(Exposure(), initial_equity)
    peak = initial_equity
    decisions: list[dict[str, str]] = []
    counts = {"frames": 0, "tickers": 0, "malformed": 0, "skipped_by_risk": 0}
    status = RiskStatus.OK
    reasons: tuple[str, ...] = ()
    transitions: list[dict[str, Any]] = []
    at = datetime(1970, 1, 1, tzinfo=UTC)
    last_price: Decimal | None = None
    for event in frames:
        counts["frames"] += 1
        if isinstance(event, Malformed):
            counts["malformed"] += 1
            continue
        if not isinstance(event, Ticker) or event.symbol != symbol:
            continue
        counts["tickers"] += 1
        last_price = event.last
        price = event.mid
        at = event.timestamp
        view = MarketView(symbol, price, at, ledger.exposure.long, ledger.exposure.short)
        for d in strategy.on_price(view):
            if not permits(status, reduces=d.action.reduces):
                counts["skipped_by_risk"] += 1
                continue
            cash_before = ledger.cash
            ledger.fill(d.side, d.action, d.size, price)
            if observer is not None:
                observer.on_fill(at, d.side, d.action, d.size, price, ledger.cash - cash_before)
            decisions.append(
                {"at": at.isoformat(), "side": d.side.value, "action": d.action.value, "size": str(d.size),
                 "price": str(price)}
            )  # fmt: skip
        equity = ledger.equity(price)
        if observer is not None:
            observer.on_mark(at, equity)
        peak = max(peak, equity)
        gross = ledger.exposure.gross * price
        figures = RiskFigures(
            current_drawdown=(peak - equity) / peak if peak > 0 else Decimal(0),
            current_daily_loss=max(Decimal(0), initial_equity - equity),
            current_position_size=abs(ledger.exposure.net),
            current_leverage=gross / equity if equity > 0 else Decimal(0),
        )
        decision = evaluate(figures, limits)
        if (decision.status, decision.reasons) != (status, reasons):
            status, reasons = decision.status, decision.reasons
            transitions.append({"at": at.isoformat(), "status": status.value, "reasons": list(reasons)})
    digest = hashlib.sha256(json.dumps(decisions, sort_keys=True).encode()).hexdigest()
    return {
        "symbol": symbol,
        "strategy": strategy.name,
        **counts,
        "decisions": len(decisions),
        "decisions_sha256": digest,
        "first_decisions": decisions[:5],
        "final_position": ledger.exposure.to_json(),
        "final_equity": None if last_price is None else str(ledger.equity(last_price).quantize(Decimal(1))),
        "risk_transitions": transitions,
        "final_risk": {"status": status.value, "reasons": list(reasons)},
    }


def compare(summary: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Human-readable differences between a summary and its stored expectation (empty when equal)."""
    problems = []
    for key in sorted(set(summary) | set(expected)):
        if summary.get(key) != expected.get(key):
            problems.append(f"{key}: expected {expected.get(key)!r}, got {summary.get(key)!r}")
    return problems
