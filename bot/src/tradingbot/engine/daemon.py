"""The bot daemon: wires settings, lock, simulator, client, store, streams, risk and the ops surface.

Data flow of one tick (docs/architecture.md, "Engine"): a public ticker frame is decoded by the public
stream, ``_on_market`` stores the mid price and wakes the trader task; the trader feeds the strategy, drops
what the risk status forbids (degraded: reducing orders only; abort/halt/mismatch: nothing) and hands the
rest to the order manager, which writes the intent to SQLite and sends it. Account figures (margin,
positions, balance, fills) are polled by a separate task and evaluated by the risk matrix; transitions are
audited, notified and, on abort, lead to cancel + flatten + a persistent halt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import tradingbot
from tradingbot.bounds import venue_order_size_problem
from tradingbot.config import Mode, Settings
from tradingbot.engine.figures import AccountSnapshot, RiskMemory, compute
from tradingbot.engine.gmo_port import GmoExchangePort
from tradingbot.engine.orders import Action, OrderIntent, OrderManager, Outcome
from tradingbot.engine.ports import ExchangePort, ExPosition
from tradingbot.engine.reconcile import ExchangeView, Exposure, LocalView, Mismatch, diff, exposure_of
from tradingbot.engine.store import OPEN_STATES, IntentState, StateStore, StoredExecution
from tradingbot.ops.artifacts import ArtifactWriter, RunComplete, RunProgress
from tradingbot.ops.audit import AuditLog
from tradingbot.ops.health import HealthReport, ReconciliationSummary, RiskSummary
from tradingbot.ops.http import OpsServer
from tradingbot.ops.lock import InstanceLock
from tradingbot.ops.logging import SecretRedactor
from tradingbot.ops.metrics import BotMetrics, MetricsClientObserver
from tradingbot.ops.notifier import DiscordNotifier
from tradingbot.ops.status import MonitorStatus, derive_monitor_status
from tradingbot.risk import HaltStore, RiskDecision, RiskFigures, RiskStatus, evaluate
from tradingbot.strategy import Decision, MaCrossParams, MaCrossStrategy, MarketView, Strategy
from tradingbot.venues.gmo import (
    Credentials,
    GmoEndpoints,
    GmoRestClient,
    PrivateStream,
    PublicStream,
    RateLimits,
    StreamState,
    Subscription,
)
from tradingbot.venues.gmo.market import TickerUpdate

log = logging.getLogger(__name__)

RECONNECT_STORM = 5
"""Reconnects of one stream within RECONNECT_STORM_WINDOW seconds that make an operator notification."""
RECONNECT_STORM_WINDOW = 300.0


@dataclass(frozen=True)
class DaemonTiming:
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


def _now() -> datetime:
    return datetime.now(UTC)


class _StreamMetrics:
    """The streams' ``StreamObserver``: undecodable frames go to ``tradingbot_malformed_frames_total``.

    Reconnects are counted by the stream-state callback (it also sees the first connect fail), not here.
    """

    def __init__(self, metrics: BotMetrics) -> None:
        self._metrics = metrics

    def on_malformed_frame(self, stream: str) -> None:
        self._metrics.malformed_frame(stream)

    def on_reconnect(self, stream: str) -> None:
        return None


class Daemon:
    def __init__(
        self,
        settings: Settings,
        *,
        timing: DaemonTiming | None = None,
        strategy: Strategy | None = None,
        sim_tick_interval: float = 0.25,
        client_timeout: float = 5.0,
    ) -> None:
        self.settings = settings
        self.timing = timing or DaemonTiming()
        self.symbol = settings.symbol
        self.run_id = f"{_now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        self.started_at = _now()
        self.sim_tick_interval = sim_tick_interval
        self.client_timeout = client_timeout
        params = MaCrossParams(
            fast_window=settings.strategy.fast_window,
            slow_window=settings.strategy.slow_window,
            order_size=settings.strategy.order_size,
            # The inventory limit follows the risk limit: the strategy never asks for a position that
            # the matrix would flag as too large.
            max_inventory=settings.risk.max_position_size,
        )
        self.strategy: Strategy = strategy or MaCrossStrategy(params)
        self.metrics = BotMetrics(
            version=tradingbot.__version__, mode=settings.mode.value, symbol=self.symbol
        )
        self.artifacts = ArtifactWriter(settings.artifacts_dir)
        self.halts = HaltStore.in_var_dir(settings.var_dir)
        self.stop_event = asyncio.Event()
        self.stop_reason = "signal"
        self.exit_code = 0
        # live state
        self.streams: dict[str, StreamState | None] = {"public": None, "private": None}
        self.risk = RiskDecision(RiskStatus.OK)
        self.halted = False
        self.reconciliation = ReconciliationSummary(ok=False)
        self.exposure = Exposure()
        self.price: Decimal | None = None
        self.last_loop_at: datetime | None = None
        self.loop_count = 0
        self.loop_failures = 0
        self.equity: Decimal | None = None
        self.figures: RiskFigures | None = None
        self._tick = asyncio.Event()
        self._account_poke = asyncio.Event()
        self._progress_poke = asyncio.Event()
        self._last_status: MonitorStatus | None = None
        self._last_order_mono = 0.0
        self._reconnects: dict[str, list[float]] = {"public": [], "private": []}
        self._memory = RiskMemory()
        # wired in run()
        self.audit: AuditLog | None = None
        self.store: StateStore | None = None
        self.exchange: ExchangePort | None = None
        self.orders: OrderManager | None = None
        self.notifier: DiscordNotifier | None = None
        self.ops: OpsServer | None = None
        self.sim: Any = None

    # --- small helpers -------------------------------------------------------------------------------

    def _audit(self, event: str, fields: dict[str, Any] | None = None) -> None:
        if self.audit is not None:
            self.audit.write(event, {"run_id": self.run_id, **(fields or {})})

    def _notify(self, text: str) -> None:
        if self.notifier is not None:
            self.notifier.notify(f"[tradingbot {self.settings.mode.value} {self.symbol}] {text}")

    @property
    def monitor_status(self) -> MonitorStatus:
        return derive_monitor_status(
            {k: (v.value if v is not None else None) for k, v in self.streams.items()},
            self.risk.status,
            self.halted,
            self.reconciliation.ok,
        )

    def health(self) -> HealthReport:
        return HealthReport(
            monitor_status=self.monitor_status,
            risk=RiskSummary(status=self.risk.status, reasons=self.risk.reasons),
            halted=self.halted,
            last_loop_at=self.last_loop_at,
            stream={k: (v.value if v is not None else "reconnecting") for k, v in self.streams.items()},
            mode=self.settings.mode.value,
            secrets={
                name: getattr(self.settings.secret_sources, name).value
                for name in ("gmo_api_key", "gmo_api_secret", "discord_webhook_url")
            },
            reconciliation=self.reconciliation,
            run_id=self.run_id,
            version=tradingbot.__version__,
        )

    def _status_changed(self) -> None:
        status = self.monitor_status
        if status is not self._last_status:
            previous, self._last_status = self._last_status, status
            self.metrics.set_monitor_status(status)
            self._audit("monitor_status", {"from": previous and previous.value, "to": status.value})
            log.info("monitor_status %s -> %s", previous, status.value)
        self._progress_poke.set()

    def _progress(self) -> RunProgress:
        return RunProgress(
            run_id=self.run_id,
            monitor_status=self.monitor_status,
            risk=RiskSummary(status=self.risk.status, reasons=self.risk.reasons),
            halted=self.halted,
            mode=self.settings.mode.value,
            symbol=self.symbol,
            started_at=self.started_at,
            last_loop_at=self.last_loop_at,
            loop_count=self.loop_count,
            loop_failures=self.loop_failures,
            stream={k: (v.value if v is not None else "reconnecting") for k, v in self.streams.items()},
            position_size=str(self.exposure.net),
            equity_jpy=None if self.equity is None else str(self.equity),
            version=tradingbot.__version__,
        )

    def _loop_failure(self) -> None:
        self.loop_failures += 1
        self.metrics.inc_loop_failure()

    # --- stream callbacks (sync, on the loop thread) -----------------------------------------------

    def _on_stream_state(self, name: str) -> Callable[[StreamState], None]:
        def handler(state: StreamState) -> None:
            previous = self.streams.get(name)
            self.streams[name] = state
            self.metrics.set_stream_connected(name, state is StreamState.CONNECTED)
            self._audit("stream_state", {"stream": name, "state": state.value})
            if previous is StreamState.CONNECTED and state is not StreamState.CONNECTED:
                self.metrics.ws_reconnect(name)
                now = time.monotonic()
                recent = [t for t in self._reconnects[name] if now - t < RECONNECT_STORM_WINDOW] + [now]
                self._reconnects[name] = recent
                if len(recent) == RECONNECT_STORM:
                    self._notify(f"reconnect storm: {name} stream dropped {len(recent)} times in 5 minutes")
            self._status_changed()

        return handler

    def _on_market(self, event: object) -> None:
        if isinstance(event, TickerUpdate) and event.symbol == self.symbol:
            bid, ask = event.bid, event.ask
            self.price = (bid + ask) / 2 if bid > 0 and ask > 0 else event.last
            self._tick.set()

    def _on_private(self, event: object) -> None:
        # Fills and position changes: refresh the account figures now rather than at the next poll.
        self._account_poke.set()

    # --- trading -------------------------------------------------------------------------------------

    def trading_allowed(self) -> bool:
        return not self.halted and self.reconciliation.ok and self.risk.status is not RiskStatus.ABORT

    async def _trader(self) -> None:
        while True:
            await self._tick.wait()
            self._tick.clear()
            started = time.monotonic()
            try:
                await self._trade_once()
            except Exception:
                self._loop_failure()
                log.exception("trading loop iteration failed")
            self.loop_count += 1
            self.last_loop_at = _now()
            self.metrics.observe_loop(time.monotonic() - started)

    async def _trade_once(self) -> None:
        price = self.price
        if price is None:
            return
        view = MarketView(self.symbol, price, _now(), self.exposure.long, self.exposure.short)
        decisions = self.strategy.on_price(view)
        if not decisions or not self.trading_allowed():
            return
        assert self.orders is not None
        for decision in decisions:
            if decision.action == Action.OPEN.value and self.risk.status is not RiskStatus.OK:
                self._audit(
                    "order_skipped", {"reason": f"risk {self.risk.status.value}: opening not allowed"}
                )
                continue
            await self._submit(decision)

    async def _submit(self, decision: Decision) -> None:
        assert self.orders is not None
        intent = OrderIntent(
            symbol=decision.symbol,
            side=decision.side,
            size=decision.size,
            action=Action(decision.action),
            reason=decision.reason,
        )
        result = await self.orders.submit(intent)
        self._last_order_mono = time.monotonic()
        if result.outcome in (Outcome.CONFIRMED, Outcome.REJECTED, Outcome.UNRESOLVED):
            self.metrics.record_order(result.outcome.value)
        if result.outcome is Outcome.CONFIRMED:
            # A MARKET order fills at once: assume it until the next account poll says otherwise, so the
            # next decision starts from the new exposure.
            self.exposure = self.exposure.apply(
                decision.side, "OPEN" if intent.action is Action.OPEN else "CLOSE", decision.size
            )
        self._account_poke.set()

    # --- account, fills, risk ------------------------------------------------------------------------

    async def _account_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timing.account_every):
                    await self._account_poke.wait()
            # Several private events arrive per fill: coalesce them, and keep the GET budget for orders.
            await asyncio.sleep(self.timing.account_min_gap)
            self._account_poke.clear()
            try:
                await self.refresh_account()
            except Exception:
                self._loop_failure()
                log.exception("account refresh failed")

    async def _ingest_executions(self) -> int:
        assert self.exchange is not None
        assert self.store is not None
        known = self.store.known_order_ids()
        added = 0
        exposure = Exposure.from_json(self.store.get_fact(f"exposure:{self.symbol}"))
        trade_loss = self._memory.last_trade_loss
        for e in sorted(await self.exchange.latest_executions(self.symbol), key=lambda x: x.execution_id):
            if e.order_id not in known:
                continue
            stored = StoredExecution(
                e.execution_id, e.order_id, e.symbol, e.side, e.settle_type, e.size, e.price,
                e.loss_gain, e.fee, e.timestamp,
            )  # fmt: skip
            if self.store.add_execution(stored):
                added += 1
                exposure = exposure.apply(e.side, e.settle_type, e.size)
                self.metrics.record_fill()
                self._audit(
                    "fill",
                    {
                        "order_id": e.order_id,
                        "execution_id": e.execution_id,
                        "side": e.side,
                        "settle_type": e.settle_type,
                        "size": str(e.size),
                        "price": str(e.price),
                        "loss_gain": str(e.loss_gain),
                        "fee": str(e.fee),
                    },
                )
                if e.settle_type == "CLOSE":
                    trade_loss = max(Decimal(0), -(e.loss_gain - e.fee))
        if added:
            self.store.put_fact(f"exposure:{self.symbol}", exposure.to_json())
            self._memory = RiskMemory(
                self._memory.peak, self._memory.daily, self._memory.wallet_baseline,
                self._memory.realised_at_baseline, trade_loss,
            )  # fmt: skip
        return added

    async def refresh_account(self) -> None:
        assert self.exchange is not None
        assert self.store is not None
        asked_at = time.monotonic()
        await self._ingest_executions()
        margin = await self.exchange.margin()
        positions = tuple(await self.exchange.open_positions(self.symbol))
        balance = await self.exchange.jpy_balance()
        if asked_at >= self._last_order_mono:
            self.exposure = exposure_of(positions)
        snapshot = AccountSnapshot(margin, positions, balance, self.price, _now())
        realised_total = self.store.realised_since(datetime(1970, 1, 1, tzinfo=UTC))
        figures, self._memory = compute(
            snapshot, self._memory, self.settings.daily_reset_zone, realised_total
        )
        self.figures = figures
        self.store.put_fact("risk_memory", self._memory.to_json())
        self.metrics.set_position(self.exposure.net)
        self.equity = margin.actual_profit_loss
        self.metrics.set_equity(margin.actual_profit_loss)
        self.metrics.set_drawdown(figures.current_drawdown)
        self.metrics.set_daily_loss(figures.current_daily_loss)
        await self.apply_risk(evaluate(figures, self.settings.risk), figures)

    async def apply_risk(self, decision: RiskDecision, figures: Any = None) -> None:
        if decision == self.risk:
            return
        previous, self.risk = self.risk, decision
        self.metrics.set_risk(decision.status, decision.reasons)
        fields = {
            "from": previous.status.value,
            "to": decision.status.value,
            "reasons": list(decision.reasons),
        }
        if figures is not None:
            fields["figures"] = [f"{k}={getattr(figures, k)}" for k in figures.__slots__]
        self._audit("risk_transition", fields)
        self._notify(f"risk {previous.status.value} -> {decision.status.value} {list(decision.reasons)}")
        if decision.status is RiskStatus.ABORT and not self.halted:
            await self.abort(decision.reasons)
        self._status_changed()

    async def abort(self, reasons: tuple[str, ...]) -> None:
        """Cancel open orders, flatten when configured, persist the halt."""
        self.halted = True
        self.halts.halt(reasons, run_id=self.run_id)
        self.metrics.set_halted(True)
        self._audit("halt", {"reasons": list(reasons)})
        self._notify(f"HALTED: {list(reasons)}; clear with `python -m tradingbot clear-halt` after review")
        self._status_changed()
        await self._cancel_open_orders("abort")
        if self.settings.flatten_on_abort:
            await self._flatten()

    async def _cancel_open_orders(self, why: str) -> None:
        assert self.exchange is not None
        try:
            cancelled = await self.exchange.cancel_all(self.symbol)
            self._audit("orders_cancelled", {"why": why, "order_ids": cancelled})
        except Exception as exc:
            self._loop_failure()
            self._audit("orders_cancel_failed", {"why": why, "error": f"{type(exc).__name__}: {exc}"})
            log.exception("cancelling open orders failed")

    async def _flatten(self) -> None:
        assert self.exchange is not None
        assert self.orders is not None
        positions = await self.exchange.open_positions(self.symbol)
        current = exposure_of(positions)
        for side, size in (("SELL", current.long), ("BUY", current.short)):
            if size > 0:
                result = await self.orders.submit(
                    OrderIntent(self.symbol, side, size, action=Action.CLOSE, reason="flatten on abort")
                )
                self._audit("flatten", {"side": side, "size": str(size), "outcome": result.outcome.value})

    # --- resolution and reconciliation ---------------------------------------------------------------

    async def _resolver_loop(self) -> None:
        assert self.orders is not None
        ticks = 0
        while True:
            await asyncio.sleep(self.timing.resolve_every)
            try:
                if self.orders.unresolved():
                    await self.orders.resolve()
                    self._account_poke.set()
                ticks += 1
                if ticks % 10 == 0:
                    await self.orders.close_finished()
                if (
                    not self.reconciliation.ok
                    and ticks % max(1, int(self.timing.recheck_mismatch_every / self.timing.resolve_every))
                    == 0
                ):
                    await self.reconcile()
            except Exception:
                self._loop_failure()
                log.exception("order resolution failed")

    async def reconcile(self) -> list[Mismatch]:
        assert self.exchange is not None
        assert self.store is not None
        assert self.orders is not None
        deadline = time.monotonic() + self.timing.settle_after + 5
        while self.orders.unresolved() and time.monotonic() < deadline:
            await self.orders.resolve()
            if self.orders.unresolved():
                await asyncio.sleep(0.2)
        await self._ingest_executions()
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
            self._audit("reconciliation", {"ok": True, "adopted": [m.to_json() for m in mismatches]})
            self._notify(f"adopted exchange state: {len(mismatches)} differences")
            mismatches, problems = [], ()
        elif mismatches:
            if problems != self.reconciliation.problems:  # audit each new finding once, not every recheck
                self._audit("reconciliation", {"ok": False, "mismatches": [m.to_json() for m in mismatches]})
                self._notify(f"reconciliation mismatch, not trading: {[m.kind for m in mismatches]}")
                log.error("reconciliation mismatch, not trading until an operator resolves it: %s", problems)
        elif not self.reconciliation.ok:
            self._audit("reconciliation", {"ok": True})
        self.reconciliation = ReconciliationSummary(
            ok=not mismatches,
            checked_at=_now(),
            problems=problems,
        )
        self.exposure = exposure_of(positions)
        self._status_changed()
        return mismatches

    def _adopt(self, open_orders: tuple[Any, ...], positions: tuple[ExPosition, ...]) -> None:
        assert self.store is not None
        known = self.store.known_order_ids()
        now = _now()
        for order in open_orders:
            if order.order_id in known:
                continue
            stored = self.store.record_intent(
                symbol=order.symbol, side=order.side,
                action="open" if order.settle_type == "OPEN" else "close",
                execution_type=order.execution_type, size=order.size, price=order.price,
                reason="adopted from exchange", now=now,
            )  # fmt: skip
            self.store.transition(stored.id, IntentState.CONFIRMED, now=now, exchange_order_id=order.order_id)
        for intent in self.store.intents(OPEN_STATES):
            self.store.transition(intent.id, IntentState.NOT_PLACED, now=now, detail="superseded by adoption")
        self.store.put_fact(f"exposure:{self.symbol}", exposure_of(positions).to_json())

    # --- progress ------------------------------------------------------------------------------------

    async def _progress_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timing.progress_every):
                    await self._progress_poke.wait()
            self._progress_poke.clear()
            try:
                progress = self._progress()
                await asyncio.to_thread(self.artifacts.write_progress, progress)
            except Exception:
                self._loop_failure()
                log.exception("writing run_progress.json failed")

    # --- life cycle ----------------------------------------------------------------------------------

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop, f"signal {sig.name}")

    def request_stop(self, reason: str = "requested") -> None:
        if not self.stop_event.is_set():
            self.stop_reason = reason
            self.stop_event.set()

    async def _endpoints(self) -> tuple[GmoEndpoints, Credentials]:
        s = self.settings
        if s.mode is Mode.LIVE:
            assert s.gmo_api_key is not None
            assert s.gmo_api_secret is not None
            return GmoEndpoints.production(), Credentials(s.gmo_api_key, s.gmo_api_secret)
        from tradingbot.sim import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, Simulator

        if s.sim_url:
            base = s.sim_url.rstrip("/")
        else:
            symbols = tuple(dict.fromkeys((s.symbol, "BTC_JPY")))
            self.sim = Simulator(
                SimConfig(seed=s.sim_seed, symbols=symbols, tick_interval=self.sim_tick_interval)
            )
            urls = await self.sim.start("127.0.0.1", 0)
            base = urls.base
            log.info("embedded simulator listening on %s", base)
        return GmoEndpoints.at(base), Credentials.of(PAPER_API_KEY, PAPER_API_SECRET)

    async def run(
        self, *, install_signals: bool = True, ready: Callable[[Daemon], Awaitable[None]] | None = None
    ) -> int:
        s = self.settings
        lock = InstanceLock(s.var_dir)
        lock.acquire()  # raises AlreadyRunning with a clear message
        tasks: list[asyncio.Task[None]] = []
        client: GmoRestClient | None = None
        try:
            if install_signals:
                self._install_signals()
            # Audit lines carry no secret by construction; the redactor is the second line of defence.
            self.audit = AuditLog(
                s.audit_log_path,
                s.audit_log_max_bytes,
                s.audit_log_retention,
                redact=SecretRedactor(s.secret_values()).redact,
            )
            halt = self.halts.load()
            self.halted = halt.halted
            self.metrics.set_halted(self.halted)
            self.notifier = DiscordNotifier(s.discord_webhook_url, metrics=self.metrics)
            await self.notifier.start()
            self.ops = OpsServer(
                s.http_host,
                s.http_port,
                self.health,
                self.metrics,
                max_loop_age=timedelta(seconds=self.timing.max_loop_age),
            )
            await self.ops.start()
            self._status_changed()
            await asyncio.to_thread(self.artifacts.write_progress, self._progress())
            endpoints, credentials = await self._endpoints()
            client = GmoRestClient(
                endpoints,
                credentials,
                limits=RateLimits(s.rate.get_per_second, s.rate.post_per_second),
                observer=MetricsClientObserver(self.metrics),
                timeout=self.client_timeout,
            )
            rules = await client.get_symbols()
            if self.symbol not in rules:
                raise SystemExit(f"symbol {self.symbol} is not traded on this venue; known: {sorted(rules)}")
            size_problem = venue_order_size_problem(self.symbol, s.strategy.order_size, rules[self.symbol])
            if size_problem is not None:
                raise SystemExit(size_problem)
            self.store = self._open_store()
            self._memory = RiskMemory.from_json(self.store.get_fact("risk_memory"))
            self.exchange = GmoExchangePort(client)
            self.orders = OrderManager(
                self.store,
                self.exchange,
                {self.symbol: rules[self.symbol]},
                on_event=self._audit,
                settle_after=timedelta(seconds=self.timing.settle_after),
            )
            self._audit(
                "start",
                {
                    "mode": s.mode.value,
                    "symbol": self.symbol,
                    "halted": self.halted,
                    "version": tradingbot.__version__,
                    "ops": self.ops.base_url,
                },
            )
            self._notify(f"started (halted={self.halted})")
            log.info(
                "tradingbot %s started: mode=%s symbol=%s ops=%s",
                self.run_id,
                s.mode.value,
                self.symbol,
                self.ops.base_url,
            )
            await self.reconcile()
            try:
                # Know the risk figures (and the equity peak / day start) before the first tick can trade.
                await self.refresh_account()
            except Exception:
                self._loop_failure()
                log.exception("first account refresh failed; the account loop retries")
            public = PublicStream(
                endpoints.public_ws, [Subscription("ticker", self.symbol)],
                on_state=self._on_stream_state("public"), on_event=self._on_market,
                observer=_StreamMetrics(self.metrics),
            )  # fmt: skip
            private = PrivateStream(
                client, endpoints.private_ws, ["executionEvents", "orderEvents", "positionEvents"],
                on_state=self._on_stream_state("private"), on_event=self._on_private,
                observer=_StreamMetrics(self.metrics),
            )  # fmt: skip
            for coro in (public.run(), private.run(), self._trader(), self._account_loop(),
                         self._resolver_loop(), self._progress_loop()):  # fmt: skip
                tasks.append(asyncio.create_task(coro))
            if ready is not None:
                await ready(self)
            await self.stop_event.wait()
        except SystemExit as exc:
            self.stop_reason, self.exit_code = f"error: {exc}", 2
            log.error("%s", exc)
        except Exception as exc:
            self.stop_reason, self.exit_code = f"error: {type(exc).__name__}: {exc}", 1
            log.exception("daemon failed")
        finally:
            await self._shutdown(tasks, client)
            lock.release()
        return self.exit_code

    def _open_store(self) -> StateStore:
        s = self.settings
        if s.mode is Mode.PAPER and not s.sim_url:
            # The embedded simulator is a fresh exchange on every start: state of an earlier session refers
            # to orders and positions that no longer exist. Keep it for reading, start a new ledger.
            path = s.var_dir / "state" / "paper-embedded.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                old = Path(f"{path}{suffix}")
                if old.exists():
                    old.replace(Path(f"{path}.prev{suffix}"))
            return StateStore(path)
        return StateStore.in_var_dir(s.var_dir)

    async def _shutdown(self, tasks: list[asyncio.Task[None]], client: GmoRestClient | None) -> None:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.settings.cancel_on_stop and self.exchange is not None:
            await self._cancel_open_orders("stop")
        self._audit("stop", {"reason": self.stop_reason, "exit_code": self.exit_code})
        self._notify(f"stopped: {self.stop_reason}")
        try:
            complete = RunComplete(
                run_id=self.run_id,
                stop_reason=self.stop_reason,
                started_at=self.started_at,
                exit_code=self.exit_code,
                monitor_status=self.monitor_status,
                risk=RiskSummary(status=self.risk.status, reasons=self.risk.reasons),
                halted=self.halted,
                mode=self.settings.mode.value,
                symbol=self.symbol,
                loop_count=self.loop_count,
                loop_failures=self.loop_failures,
                orders_sent=self.orders.sent_count if self.orders is not None else 0,
                version=tradingbot.__version__,
            )
            self.artifacts.write_progress(self._progress())
            self.artifacts.write_complete(complete)
        except Exception:
            log.exception("writing the stop artifacts failed")
        for closer in (
            self.notifier.stop() if self.notifier else None,
            self.ops.stop() if self.ops else None,
            client.aclose() if client else None,
            self.sim.stop() if self.sim is not None else None,
        ):
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer
        if self.store is not None:
            self.store.close()
        if self.audit is not None:
            self.audit.close()
        log.info("tradingbot %s stopped: %s (exit %d)", self.run_id, self.stop_reason, self.exit_code)
