"""Reconciliation: the local ledger against the exchange (startup, and re-checks while a mismatch lasts),
adopting the exchange's state when configured; and the resolver task that settles orders of unknown
outcome. The comparison itself is pure (:mod:`tradingbot.engine.reconcile`)."""

from __future__ import annotations

import asyncio
import logging
import time

from tradingbot.config import Settings
from tradingbot.engine.account import Account
from tradingbot.engine.orders import OrderManager
from tradingbot.engine.reconcile import ExchangeView, Exposure, LocalView, Mismatch, diff, exposure_of
from tradingbot.engine.reporting import Journal, Reporter
from tradingbot.engine.state import EngineState, EngineTiming, Wakeups, utc_now
from tradingbot.engine.store import OPEN_STATES, IntentState, StateStore
from tradingbot.exchange.ports import ExchangePort, ExOrder, ExPosition
from tradingbot.ops.health import ReconciliationSummary
from tradingbot.strategy import Action

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self,
        settings: Settings,
        timing: EngineTiming,
        state: EngineState,
        wakeups: Wakeups,
        exchange: ExchangePort,
        store: StateStore,
        orders: OrderManager,
        account: Account,
        journal: Journal,
        reporter: Reporter,
    ) -> None:
        self.settings = settings
        self.timing = timing
        self.symbol = state.symbol
        self.state = state
        self.wakeups = wakeups
        self.exchange = exchange
        self.store = store
        self.orders = orders
        self.account = account
        self.journal = journal
        self.reporter = reporter

    async def resolver_loop(self) -> None:
        ticks = 0
        recheck_every = max(1, int(self.timing.recheck_mismatch_every / self.timing.resolve_every))
        while True:
            await asyncio.sleep(self.timing.resolve_every)
            try:
                if self.orders.unresolved():
                    await self.orders.resolve()
                    self.wakeups.account.set()
                ticks += 1
                if ticks % 10 == 0:
                    await self.orders.close_finished()
                if not self.state.reconciliation.ok and ticks % recheck_every == 0:
                    await self.reconcile()
            except Exception:
                self.reporter.loop_failure()
                log.exception("order resolution failed")

    async def reconcile(self) -> list[Mismatch]:
        deadline = time.monotonic() + self.timing.settle_after + 5
        while self.orders.unresolved() and time.monotonic() < deadline:
            await self.orders.resolve()
            if self.orders.unresolved():
                await asyncio.sleep(0.2)
        await self.account.ingest_executions()
        try:
            # Orders a killed process left ``confirmed``: their fills, else the exchange's status, close them.
            await self.orders.close_finished()
        except Exception:
            self.reporter.loop_failure()
            log.exception("closing finished orders failed; the resolver retries")
        open_orders = tuple(await self.exchange.active_orders(self.symbol))
        positions = tuple(await self.exchange.open_positions(self.symbol))
        margin = await self.exchange.margin()
        local = LocalView(
            frozenset(self.store.known_order_ids()),
            len(self.store.intents(OPEN_STATES)),
            {self.symbol: Exposure.from_json(self.store.get_fact(f"exposure:{self.symbol}"))},
        )
        mismatches = diff(local, ExchangeView(open_orders, positions, margin), [self.symbol])
        problems = tuple(f"{m.kind} {m.symbol}: local {m.local} / exchange {m.exchange}" for m in mismatches)
        if mismatches and self.settings.adopt_exchange_state:
            self._adopt(open_orders, positions)
            self.journal.audit("reconciliation", {"ok": True, "adopted": [m.to_json() for m in mismatches]})
            self.journal.notify(f"adopted exchange state: {len(mismatches)} differences")
            mismatches, problems = [], ()
        elif mismatches:
            if problems != self.state.reconciliation.problems:  # audit each new finding once
                self.journal.audit(
                    "reconciliation", {"ok": False, "mismatches": [m.to_json() for m in mismatches]}
                )
                self.journal.notify(f"reconciliation mismatch, not trading: {[m.kind for m in mismatches]}")
                log.error("reconciliation mismatch, not trading until an operator resolves it: %s", problems)
        elif not self.state.reconciliation.ok:
            self.journal.audit("reconciliation", {"ok": True})
        self.state.reconciliation = ReconciliationSummary(
            ok=not mismatches, checked_at=utc_now(), problems=problems
        )
        self.state.exposure = exposure_of(positions)
        self.reporter.status_changed()
        return mismatches

    def _adopt(self, open_orders: tuple[ExOrder, ...], positions: tuple[ExPosition, ...]) -> None:
        known = self.store.known_order_ids()
        now = utc_now()
        for order in open_orders:
            if order.order_id in known:
                continue
            stored = self.store.record_intent(
                symbol=order.symbol, side=order.side,
                action=(Action.OPEN if order.settle_type == "OPEN" else Action.CLOSE).value,
                execution_type=order.execution_type, size=order.size, price=order.price,
                reason="adopted from exchange", now=now,
            )  # fmt: skip
            self.store.transition(stored.id, IntentState.CONFIRMED, now=now, exchange_order_id=order.order_id)
        for intent in self.store.intents(OPEN_STATES):
            self.store.transition(intent.id, IntentState.NOT_PLACED, now=now, detail="superseded by adoption")
        self.store.put_fact(f"exposure:{self.symbol}", exposure_of(positions).to_json())
