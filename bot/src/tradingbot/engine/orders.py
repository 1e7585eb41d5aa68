"""The order manager: write the intent, then send; resolve unknown outcomes by reading, never by resending.

State machine (states in :class:`tradingbot.engine.store.IntentState`)::

    (rounded to the symbol's rules; below the minimum size -> skipped, nothing written)
    pending --answer with an order id--> confirmed --order executed/cancelled/expired--> closed
    pending --definite refusal---------> rejected
    pending --OutcomeUnknown / crash---> unresolved --found on the exchange----------> confirmed
                                                    --absent after the settle time---> not_placed

The unresolved rule (GMO orders carry no client order id): an unresolved intent matches an exchange order
that no other intent owns, with the same symbol, side, settle type (OPEN for "open", CLOSE for "close"),
execution type and size (and price for LIMIT), whose timestamp lies in
``[intent.created_at - clock_skew, intent.created_at + match_window]``. Candidates come from
activeOrders (still working) and latestExecutions (already filled, even if no longer active); the earliest
match wins. When nothing matches and ``settle_after`` has passed since the intent was written, the order
either never reached the exchange or died without a fill: no exposure exists, the intent becomes
``not_placed``. Positions are compared right after by reconciliation, which catches what this rule cannot
(e.g. a fill older than latestExecutions' window). While any intent of a symbol is pending or unresolved
the manager refuses new orders for that symbol, so an unknown outcome can never turn into a second order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tradingbot.engine import narrate
from tradingbot.engine.store import OPEN_STATES, IntentState, StateStore, StoredIntent
from tradingbot.exchange.ports import (
    ExchangePort,
    ExchangeRejectedError,
    ExOrder,
    OrderRules,
    SendOutcomeUnknownError,
)
from tradingbot.strategy import Action, Side

__all__ = ["Action", "OrderIntent", "OrderManager", "Outcome", "Side", "SubmitResult"]

EventSink = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """What the strategy (or the engine's flatten path) wants; sizes/prices are rounded before sending."""

    symbol: str
    side: Side
    size: Decimal
    action: Action = Action.OPEN
    execution_type: str = "MARKET"
    price: Decimal | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.side not in ("BUY", "SELL"):
            raise ValueError(f"side must be BUY or SELL, got {self.side!r}")
        object.__setattr__(self, "side", Side(self.side))
        object.__setattr__(self, "action", Action(self.action))
        if self.execution_type not in ("MARKET", "LIMIT"):
            raise ValueError(f"execution_type must be MARKET or LIMIT, got {self.execution_type!r}")
        if self.execution_type == "LIMIT" and self.price is None:
            raise ValueError("a LIMIT intent needs a price")
        if self.size <= 0:
            raise ValueError(f"size must be > 0, got {self.size}")


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    UNRESOLVED = "unresolved"
    SKIPPED = "skipped"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class SubmitResult:
    outcome: Outcome
    intent_id: int | None = None
    order_id: int | None = None
    detail: str = ""


@dataclass
class OrderManager:
    store: StateStore
    exchange: ExchangePort
    rules: Mapping[str, OrderRules]
    on_event: EventSink = field(default=lambda kind, fields: None)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    match_window: timedelta = timedelta(seconds=120)
    clock_skew: timedelta = timedelta(seconds=2)
    settle_after: timedelta = timedelta(seconds=5)
    sent_count: int = 0
    in_flight: set[int] = field(default_factory=set)

    def unresolved(self, symbol: str | None = None) -> list[StoredIntent]:
        return [i for i in self.store.intents(OPEN_STATES) if symbol is None or i.symbol == symbol]

    def is_blocked(self, symbol: str) -> bool:
        return bool(self.unresolved(symbol))

    async def submit(self, intent: OrderIntent) -> SubmitResult:
        what = f"{intent.side} {narrate.size(intent.size)} {intent.symbol} {intent.action}"
        if self.is_blocked(intent.symbol):
            detail = f"{intent.symbol} has an order of unknown outcome"
            narrate.LOGGER.info(narrate.not_placed(what, detail, intent.reason))
            return SubmitResult(Outcome.BLOCKED, detail=detail)
        rules = self.rules.get(intent.symbol)
        if rules is None:
            raise KeyError(f"no symbol rules for {intent.symbol}; known: {sorted(self.rules)}")
        size = rules.round_size(intent.size)
        if size < rules.min_order_size:
            detail = f"size {intent.size} rounds to {size}, below {rules.min_order_size}"
            narrate.LOGGER.info(narrate.not_placed(what, detail, intent.reason))
            return SubmitResult(Outcome.SKIPPED, detail=detail)
        price = None if intent.price is None else rules.round_price(intent.price, intent.side)
        stored = self.store.record_intent(
            symbol=intent.symbol,
            side=intent.side,
            action=intent.action.value,
            execution_type=intent.execution_type,
            size=size,
            price=price,
            reason=intent.reason,
            now=self.clock(),
        )
        self.on_event("order_intent", _intent_fields(stored))
        narrate.LOGGER.info(narrate.sent(stored))
        send = self.exchange.place_order if intent.action is Action.OPEN else self.exchange.close_bulk
        self.sent_count += 1
        # The resolver must not touch an intent whose send is still awaiting its answer.
        self.in_flight.add(stored.id)
        try:
            order_id = await send(
                symbol=intent.symbol,
                side=intent.side,
                execution_type=intent.execution_type,
                size=size,
                price=price,
            )
        except ExchangeRejectedError as exc:
            self.in_flight.discard(stored.id)
            return self._finish(stored, IntentState.REJECTED, Outcome.REJECTED, detail=str(exc))
        except SendOutcomeUnknownError as exc:
            self.in_flight.discard(stored.id)
            return self._finish(stored, IntentState.UNRESOLVED, Outcome.UNRESOLVED, detail=str(exc))
        except Exception as exc:
            # Anything unexpected after the send started may have reached the exchange: treat as unknown.
            detail = f"{type(exc).__name__}: {exc}"
            self.in_flight.discard(stored.id)
            return self._finish(stored, IntentState.UNRESOLVED, Outcome.UNRESOLVED, detail=detail)
        self.in_flight.discard(stored.id)
        return self._finish(stored, IntentState.CONFIRMED, Outcome.CONFIRMED, order_id=order_id)

    def _finish(
        self,
        stored: StoredIntent,
        state: IntentState,
        outcome: Outcome,
        *,
        order_id: int | None = None,
        detail: str = "",
    ) -> SubmitResult:
        self.store.transition(stored.id, state, now=self.clock(), exchange_order_id=order_id, detail=detail)
        fields = _intent_fields(stored) | {"state": state.value, "order_id": order_id, "detail": detail}
        self.on_event("order_outcome", fields)
        if state is IntentState.CONFIRMED:
            narrate.LOGGER.info(narrate.confirmed(stored, order_id))
        elif state is IntentState.REJECTED:
            why = f"rejected: {detail}"
            narrate.LOGGER.info(narrate.not_placed(narrate.order_of(stored), why, stored.reason))
        else:
            narrate.LOGGER.warning(narrate.unknown(stored, detail))
        return SubmitResult(outcome, stored.id, order_id, detail)

    async def resolve(self) -> list[StoredIntent]:
        """Resolve every pending/unresolved intent from the exchange's records; returns the changed ones."""
        open_intents = [i for i in self.unresolved() if i.id not in self.in_flight]
        if not open_intents:
            return []
        known = self.store.known_order_ids()
        candidates: dict[int, ExOrder] = {}
        for symbol in sorted({i.symbol for i in open_intents}):
            for order in await self.exchange.active_orders(symbol):
                candidates[order.order_id] = order
            executed_ids = {e.order_id for e in await self.exchange.latest_executions(symbol)}
            missing = sorted(executed_ids - known - set(candidates))
            if missing:
                for order in await self.exchange.orders(missing):
                    candidates[order.order_id] = order
        free = [o for oid, o in candidates.items() if oid not in known]
        changed: list[StoredIntent] = []
        now = self.clock()
        for intent in open_intents:
            match = match_order(intent, free, match_window=self.match_window, clock_skew=self.clock_skew)
            if match is not None:
                free = [o for o in free if o.order_id != match.order_id]
                self.store.transition(
                    intent.id,
                    IntentState.CONFIRMED,
                    now=now,
                    exchange_order_id=match.order_id,
                    detail=f"resolved from exchange records (status {match.status})",
                )
            elif now - intent.created_at >= self.settle_after:
                self.store.transition(
                    intent.id,
                    IntentState.NOT_PLACED,
                    now=now,
                    detail="absent from activeOrders and latestExecutions after the settle time",
                )
            else:
                continue
            updated = self.store.intent(intent.id)
            changed.append(updated)
            if updated.state is IntentState.CONFIRMED:
                narrate.LOGGER.info(narrate.confirmed(updated, updated.exchange_order_id) + " (resolved)")
            else:
                what = narrate.order_of(updated)
                narrate.LOGGER.info(narrate.not_placed(what, updated.detail, updated.reason))
            self.on_event("order_resolved", _intent_fields(updated) | {"order_id": updated.exchange_order_id})
        return changed

    def close_filled(self) -> int:
        """Close confirmed intents whose recorded fills add up to their size (no exchange call).

        A MARKET order is done once its fills are in: the account's fill ingestion calls this, and so does
        start-up, for orders a killed process left ``confirmed``.
        """
        closed = 0
        for intent in self.store.intents([IntentState.CONFIRMED]):
            if intent.exchange_order_id is None:
                continue
            if self.store.executed_size(intent.exchange_order_id) >= intent.size:
                self._close(intent, "EXECUTED")
                closed += 1
        return closed

    async def close_finished(self) -> int:
        """Close confirmed intents that are done: fills summing to the size, else the exchange's status
        (EXECUTED, CANCELED, EXPIRED) from ``orders(ids)``; still-working orders stay ``confirmed``."""
        closed = self.close_filled()
        confirmed = [i for i in self.store.intents([IntentState.CONFIRMED]) if i.id not in self.in_flight]
        ids = [i.exchange_order_id for i in confirmed if i.exchange_order_id is not None]
        if not ids:
            return closed
        by_id = {order.order_id: order for order in await self.exchange.orders(ids)}
        for intent in confirmed:
            found = by_id.get(intent.exchange_order_id or -1)
            if found is not None and not found.is_open:
                self._close(intent, found.status)
                closed += 1
        return closed

    def _close(self, intent: StoredIntent, status: str) -> None:
        # Keep how the order was found (e.g. "resolved from exchange records ...") before the final status.
        detail = f"{intent.detail}; {status}" if intent.detail else status
        self.store.transition(intent.id, IntentState.CLOSED, now=self.clock(), detail=detail)
        self.on_event(
            "order_closed", _intent_fields(intent) | {"state": "closed", "order_id": intent.exchange_order_id,
                                                      "status": status},
        )  # fmt: skip
        narrate.LOGGER.info(narrate.finished(intent, status))


def match_order(
    intent: StoredIntent, orders: list[ExOrder], *, match_window: timedelta, clock_skew: timedelta
) -> ExOrder | None:
    """The earliest exchange order that the unresolved-order rule (module docstring) binds to ``intent``."""
    settle = "OPEN" if Action(intent.action) is Action.OPEN else "CLOSE"
    lo = intent.created_at - clock_skew
    hi = intent.created_at + match_window
    found = [
        o
        for o in orders
        if o.symbol == intent.symbol
        and o.side == intent.side
        and o.settle_type == settle
        and o.execution_type == intent.execution_type
        and o.size == intent.size
        and (intent.execution_type != "LIMIT" or o.price == intent.price)
        and lo <= o.timestamp <= hi
    ]
    if not found:
        return None
    return min(found, key=lambda o: (o.timestamp, o.order_id))


def _intent_fields(intent: StoredIntent) -> dict[str, Any]:
    return {
        "intent_id": intent.id,
        "symbol": intent.symbol,
        "side": intent.side,
        "action": intent.action,
        "execution_type": intent.execution_type,
        "size": str(intent.size),
        "price": None if intent.price is None else str(intent.price),
        "reason": intent.reason,
        "state": intent.state.value,
    }
