"""Progress and health: the monitor status, ``/healthz``'s report, ``run_progress.json``, and the journal
(audit log + operator notifications) every part writes to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import tradingbot
from tradingbot.engine.state import EngineState, EngineTiming, Wakeups
from tradingbot.exchange.ports import FeedState
from tradingbot.ops.artifacts import ArtifactWriter, RunComplete, RunProgress
from tradingbot.ops.audit import AuditLog
from tradingbot.ops.health import HealthReport, PriceGuardSummary, RiskSummary
from tradingbot.ops.metrics import BotMetrics
from tradingbot.ops.notifier import DiscordNotifier
from tradingbot.ops.status import MonitorStatus, derive_monitor_status
from tradingbot.ops.status_board import StatusBoard
from tradingbot.risk import GuardState, GuardStatus

log = logging.getLogger(__name__)

RECONNECT_STORM = 5
"""Reconnects of one stream within RECONNECT_STORM_WINDOW seconds that make an operator notification."""
RECONNECT_STORM_WINDOW = 300.0


@dataclass(frozen=True)
class RunInfo:
    """Who this run is: fixed at start."""

    run_id: str
    started_at: datetime
    mode: str
    symbol: str
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass
class Journal:
    """The audit log and the operator notifications, both optional (set once the app opened them)."""

    run: RunInfo
    audit_log: AuditLog | None = None
    notifier: DiscordNotifier | None = None

    def audit(self, event: str, fields: dict[str, Any] | None = None) -> None:
        if self.audit_log is not None:
            self.audit_log.write(event, {"run_id": self.run.run_id, **(fields or {})})

    def notify(self, text: str) -> None:
        if self.notifier is not None:
            self.notifier.notify(f"[tradingbot {self.run.mode} {self.run.symbol}] {text}")


class Reporter:
    """Derives the monitor status and reports it: metrics, audit, /healthz, run_progress.json."""

    def __init__(
        self,
        run: RunInfo,
        state: EngineState,
        wakeups: Wakeups,
        metrics: BotMetrics,
        artifacts: ArtifactWriter,
        journal: Journal,
        timing: EngineTiming,
        board: StatusBoard | None = None,
    ) -> None:
        self.run = run
        self.board = board
        self.state = state
        self.wakeups = wakeups
        self.metrics = metrics
        self.artifacts = artifacts
        self.journal = journal
        self.timing = timing
        self._last_status: MonitorStatus | None = None
        self._reconnects: dict[str, list[float]] = {"public": [], "private": []}
        self._guard_state = GuardState.OK

    def _guard(self, now: float | None = None) -> GuardStatus:
        guard = self.state.guard
        if guard is None:
            return GuardStatus(GuardState.OK)
        return guard.status(time.monotonic() if now is None else now)

    @property
    def monitor_status(self) -> MonitorStatus:
        s = self.state
        return derive_monitor_status(
            {k: (v.value if v is not None else None) for k, v in s.streams.items()},
            s.risk.status,
            s.halted,
            s.reconciliation.ok,
            self._guard().state.value,
        )

    def _streams(self) -> dict[str, str]:
        return {k: (v.value if v is not None else "reconnecting") for k, v in self.state.streams.items()}

    def _risk(self) -> RiskSummary:
        return RiskSummary(status=self.state.risk.status, reasons=self.state.risk.reasons)

    def health(self) -> HealthReport:
        s = self.state
        return HealthReport(
            monitor_status=self.monitor_status,
            risk=self._risk(),
            halted=s.halted,
            last_loop_at=s.last_loop_at,
            stream=self._streams(),
            mode=self.run.mode,
            secrets=self.run.secrets,
            reconciliation=s.reconciliation,
            price_guard=self._guard_summary(),
            paused=s.paused,
            run_id=self.run.run_id,
            version=tradingbot.__version__,
        )

    def _guard_summary(self) -> PriceGuardSummary:
        now = time.monotonic()
        g = self._guard(now)
        trips = self.state.guard.trips if self.state.guard is not None else 0
        seconds = None if g.since is None else round(now - g.since, 3)
        reason, detail = {
            GuardState.OK: (None, None),
            GuardState.UNCONFIRMED: ("price_unconfirmed", "a price jump awaits confirmation; no opening"),
            GuardState.DIVERGENT: (
                "price_divergence",
                f"the price stayed unconfirmed for {seconds} s (feed and reference disagree); no opening",
            ),
            GuardState.STALE: ("price_stale", f"no valid market update for {seconds} s; no opening"),
        }[g.state]
        return PriceGuardSummary(
            status=g.state.value,
            reason=reason,
            detail=detail,
            seconds=seconds,
            reference=None if g.reference is None else str(g.reference),
            candidate=None if g.candidate is None else str(g.candidate),
            trips=trips,
        )

    # --- the price guard: a trip is a metric, an audit event and a notification --------------------

    def price_guard_trip(self, reason: str, now: float) -> None:
        g = self._guard(now)
        self.metrics.price_guard_trip(reason)
        fields = {
            "reason": reason,
            "reference": None if g.reference is None else str(g.reference),
            "candidate": None if g.candidate is None else str(g.candidate),
        }
        self.journal.audit("price_guard_trip", fields)
        if reason == "stale":
            text = "price guard: no valid market update; opening blocked until data returns"
        else:
            text = (
                f"price guard: price jumped from {fields['reference']} to {fields['candidate']};"
                " opening blocked until confirmed"
            )
        self.journal.notify(text)
        log.warning("%s", text)

    def price_guard_confirmed(self, how: str, price: object, *, notify: bool) -> None:
        """``notify``: the spell began with a trip (a start-up confirmation is only audited)."""
        self.journal.audit("price_guard_confirmed", {"by": how, "price": str(price)})
        if notify:
            self.journal.notify(f"price guard: price {price} confirmed by {how}; opening allowed again")
        log.info("price guard: price %s confirmed by %s", price, how)

    def price_guard_changed(self, now: float) -> None:
        """Called on every guard update: a new guard state may change the monitor status."""
        state = self._guard(now).state
        if state is not self._guard_state:
            previous, self._guard_state = self._guard_state, state
            self.journal.audit("price_guard_state", {"from": previous.value, "to": state.value})
            if state is GuardState.DIVERGENT:
                self.journal.notify("price guard: divergence persists; /healthz degraded (price_divergence)")
            self.status_changed()

    def status_changed(self) -> None:
        status = self.monitor_status
        if status is not self._last_status:
            previous, self._last_status = self._last_status, status
            self.metrics.set_monitor_status(status)
            self.journal.audit("monitor_status", {"from": previous and previous.value, "to": status.value})
            log.info("monitor_status %s -> %s", previous, status.value)
        self.wakeups.progress.set()

    def equity_marked(self) -> None:
        """The account was read: one more point of the status page's equity and P&L chart."""
        if self.board is not None and self.state.equity is not None:
            self.board.mark_equity(self.state.equity, self.state.realised_total)

    def loop_failure(self) -> None:
        self.state.loop_failures += 1
        self.metrics.inc_loop_failure()

    def feed_state(self, name: str, state: FeedState) -> None:
        previous = self.state.streams.get(name)
        self.state.streams[name] = state
        self.metrics.set_stream_connected(name, state is FeedState.CONNECTED)
        self.journal.audit("stream_state", {"stream": name, "state": state.value})
        if previous is FeedState.CONNECTED and state is not FeedState.CONNECTED:
            self.metrics.ws_reconnect(name)
            now = time.monotonic()
            recent = [t for t in self._reconnects.get(name, []) if now - t < RECONNECT_STORM_WINDOW] + [now]
            self._reconnects[name] = recent
            if len(recent) == RECONNECT_STORM:
                self.journal.notify(
                    f"reconnect storm: {name} stream dropped {len(recent)} times in 5 minutes"
                )
        self.status_changed()

    def progress(self) -> RunProgress:
        s = self.state
        return RunProgress(
            run_id=self.run.run_id,
            monitor_status=self.monitor_status,
            risk=self._risk(),
            halted=s.halted,
            mode=self.run.mode,
            symbol=self.run.symbol,
            started_at=self.run.started_at,
            last_loop_at=s.last_loop_at,
            loop_count=s.loop_count,
            loop_failures=s.loop_failures,
            stream=self._streams(),
            position_size=str(s.exposure.net),
            equity_jpy=None if s.equity is None else str(s.equity),
            paused=s.paused,
            version=tradingbot.__version__,
        )

    async def write_progress(self) -> None:
        await asyncio.to_thread(self.artifacts.write_progress, self.progress())

    async def progress_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timing.progress_every):
                    await self.wakeups.progress.wait()
            self.wakeups.progress.clear()
            try:
                await self.write_progress()
            except Exception:
                self.loop_failure()
                log.exception("writing run_progress.json failed")

    def write_final(
        self, *, stop_reason: str, exit_code: int, orders_sent: int, summary: dict[str, Any] | None = None
    ) -> None:
        s = self.state
        try:
            complete = RunComplete(
                run_id=self.run.run_id,
                stop_reason=stop_reason,
                started_at=self.run.started_at,
                exit_code=exit_code,
                monitor_status=self.monitor_status,
                risk=self._risk(),
                halted=s.halted,
                mode=self.run.mode,
                symbol=self.run.symbol,
                loop_count=s.loop_count,
                loop_failures=s.loop_failures,
                orders_sent=orders_sent,
                version=tradingbot.__version__,
                **(summary or {}),
            )
            self.artifacts.write_progress(self.progress())
            self.artifacts.write_complete(complete)
        except Exception:
            log.exception("writing the stop artifacts failed")
