"""The composition root: builds the program for the configured mode and owns its life cycle.

Settings -> instance lock, audit log, notifier, ops server (``/healthz``, ``/metrics``) -> the venue
(GMO in live mode; in paper mode the embedded simulator, started here, or ``TRADINGBOT_SIM_URL``) ->
its adapters (exchange port, market-data port) -> the engine. Signals and shutdown are handled here.
The engine never imports the simulator or a venue; only this module does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import tradingbot
from tradingbot import layout
from tradingbot.bounds import venue_order_size_problem
from tradingbot.config import Mode, Settings
from tradingbot.engine.controls import Controls
from tradingbot.engine.engine import Engine
from tradingbot.engine.halt import HaltStore
from tradingbot.engine.pause import PauseStore
from tradingbot.engine.reporting import Journal, Reporter, RunInfo
from tradingbot.engine.state import DaemonTiming, EngineState, EngineTiming, Wakeups, utc_now
from tradingbot.engine.stop_summary import stop_summary
from tradingbot.engine.store import StateStore
from tradingbot.engine.view import EngineStateView
from tradingbot.ops.artifacts import ArtifactWriter
from tradingbot.ops.audit import AuditLog
from tradingbot.ops.control import ControlToken
from tradingbot.ops.health import HealthReport
from tradingbot.ops.http import OpsServer
from tradingbot.ops.lock import InstanceLock
from tradingbot.ops.logging import SecretRedactor
from tradingbot.ops.metrics import BotMetrics, MetricsClientObserver
from tradingbot.ops.notifier import DiscordNotifier
from tradingbot.ops.status import MonitorStatus
from tradingbot.ops.status_board import LiveFigures, StatusBoard
from tradingbot.strategy import MaCrossParams, MaCrossStrategy, Strategy
from tradingbot.venues.gmo import Credentials, GmoEndpoints, GmoRestClient, RateLimits, decode
from tradingbot.venues.gmo.feeds import GmoMarketData
from tradingbot.venues.gmo.port import GmoExchangePort
from tradingbot.venues.gmo.tokenstore import FileTokenStore, TokenStore

if TYPE_CHECKING:
    from tradingbot.paperlive import LiveBookFeed
    from tradingbot.sim import Simulator

__all__ = ["App", "Daemon", "DaemonTiming", "EngineTiming", "run"]

log = logging.getLogger(__name__)


class App(EngineStateView):
    """One run of the bot: ``await App(settings).run()`` returns the exit code."""

    def __init__(
        self,
        settings: Settings,
        *,
        timing: EngineTiming | None = None,
        strategy: Strategy | None = None,
        sim_tick_interval: float = 0.25,
        client_timeout: float = 5.0,
    ) -> None:
        self.settings = settings
        self.timing = timing or EngineTiming()
        self.symbol = settings.symbol
        self.sim_tick_interval = sim_tick_interval
        self.client_timeout = client_timeout
        started = utc_now()
        self.run_info = RunInfo(
            run_id=f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}",
            started_at=started,
            mode=settings.mode.value,
            symbol=self.symbol,
            secrets={
                name: getattr(settings.secret_sources, name).value
                for name in ("gmo_api_key", "gmo_api_secret", "discord_webhook_url")
            },
        )
        self.run_id = self.run_info.run_id
        self.strategy: Strategy = strategy or MaCrossStrategy(
            MaCrossParams(
                fast_window=settings.strategy.fast_window,
                slow_window=settings.strategy.slow_window,
                order_size=settings.strategy.order_size,
                # The inventory limit follows the risk limit: the strategy never asks for a position that
                # the matrix would flag as too large.
                max_inventory=settings.risk.max_position_size,
            )
        )
        self.metrics = BotMetrics(
            version=tradingbot.__version__, mode=settings.mode.value, symbol=self.symbol
        )
        self.halts = HaltStore.in_var_dir(settings.var_dir)
        self.state = EngineState(self.symbol)
        self.wakeups = Wakeups()
        self.journal = Journal(self.run_info)
        self.store: StateStore | None = None
        # The status page's view (/status): live figures read on each request, equity marked per refresh.
        self.status_board = StatusBoard(
            symbol=self.symbol,
            limits=settings.risk,
            started_at=started,
            live=self.live_figures,
            store_path=lambda: None if self.store is None else self.store.path,
            max_loop_age=timedelta(seconds=self.timing.max_loop_age),
        )
        self.reporter = Reporter(
            self.run_info,
            self.state,
            self.wakeups,
            self.metrics,
            ArtifactWriter(settings.artifacts_dir),
            self.journal,
            self.timing,
            board=self.status_board,
        )
        self.controls = Controls(
            self.state, PauseStore.in_var_dir(settings.var_dir), self.journal, self.reporter
        )
        self.control_token = ControlToken(settings.var_dir)
        self.stop_event = asyncio.Event()
        self.stop_reason = "signal"
        self.exit_code = 0
        # built in run()
        self.ops: OpsServer | None = None
        self.sim: Simulator | None = None
        self.live_feed: LiveBookFeed | None = None
        self._live_task: asyncio.Task[None] | None = None
        self.live_book_timeout = 30.0
        self.client: GmoRestClient | None = None
        self.engine: Engine | None = None

    # --- the engine's state, for the ops surface, the tests and the benchmarks ---------------------

    @property
    def monitor_status(self) -> MonitorStatus:
        return self.reporter.monitor_status

    def health(self) -> HealthReport:
        return self.reporter.health()

    def live_figures(self) -> LiveFigures:
        st = self.state
        return LiveFigures(
            self.health(),
            st.figures,
            st.exposure.long,
            st.exposure.short,
            st.price,
            st.equity,
            paused=st.paused,
            unrealised_pnl=st.unrealised,
        )

    @property
    def _status_changed(self) -> Callable[[], None]:
        return self.reporter.status_changed

    @_status_changed.setter
    def _status_changed(self, spy: Callable[[], None]) -> None:
        # Tests wrap the reporter's hook to see every status the engine passes through.
        self.reporter.status_changed = spy  # type: ignore[method-assign]

    # --- life cycle ----------------------------------------------------------------------------------

    def install_signals(self) -> None:
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
        elif s.paper_prices == "live":
            base = await self._start_live_paper()
        else:
            symbols = tuple(dict.fromkeys((s.symbol, "BTC_JPY")))
            self.sim = Simulator(
                SimConfig(seed=s.sim_seed, symbols=symbols, tick_interval=self.sim_tick_interval)
            )
            base = (await self.sim.start("127.0.0.1", 0)).base
            log.info("embedded simulator listening on %s", base)
        return GmoEndpoints.at(base), Credentials.of(PAPER_API_KEY, PAPER_API_SECRET)

    async def _start_live_paper(self) -> str:
        """The embedded simulator as a paper exchange fed by a live public stream (docs/operations.md)."""
        from tradingbot.paperlive import LiveBookFeed, LivePricesError, fetch_symbol_spec
        from tradingbot.sim import SimConfig, Simulator

        s = self.settings
        try:
            spec = await fetch_symbol_spec(s.paper_public_rest_url, s.symbol, wait=self.client_timeout)
        except LivePricesError as exc:
            raise SystemExit(f"paper trading on live prices: {exc}") from None
        # tick_interval=0: no random walk; the live book is the only thing that moves prices.
        self.sim = Simulator(
            SimConfig(seed=s.sim_seed, symbols=(s.symbol,), tick_interval=0, symbol_specs={s.symbol: spec})
        )
        base = (await self.sim.start("127.0.0.1", 0)).base
        self.live_feed = LiveBookFeed(self.sim, s.paper_public_ws_url, s.symbol)
        self._live_task = asyncio.create_task(self.live_feed.run(), name="live-prices")
        try:
            async with asyncio.timeout(self.live_book_timeout):
                await self.live_feed.first_book.wait()
        except TimeoutError:
            raise SystemExit(
                f"paper trading on live prices: no {s.symbol} order book from "
                f"{s.paper_public_ws_url} within {self.live_book_timeout:g} s"
            ) from None
        log.info("paper exchange on live prices: %s from %s (at %s)", s.symbol, s.paper_public_ws_url, base)
        return base

    def _token_store(self, endpoints: GmoEndpoints) -> TokenStore | None:
        # The token is kept only where the exchange outlives the process (live, or an external simulator);
        # an embedded simulator is new on every start, so its tokens die with it.
        if self.sim is not None:
            return None
        return FileTokenStore(self.settings.ws_token_path, endpoints.private_rest)

    def _open_store(self) -> StateStore:
        s = self.settings
        if s.mode is Mode.PAPER and not s.sim_url:
            # The embedded simulator is a fresh exchange on every start: state of an earlier session refers
            # to orders and positions that no longer exist. Keep it for reading, start a new ledger.
            path = layout.VarLayout(s.var_dir).paper_embedded_db
            for suffix in ("", "-wal", "-shm"):
                old = Path(f"{path}{suffix}")
                if old.exists():
                    old.replace(Path(f"{path}.prev{suffix}"))
            return StateStore(path)
        return StateStore.in_var_dir(s.var_dir)

    async def _build_engine(self) -> Engine:
        s = self.settings
        endpoints, credentials = await self._endpoints()
        self.client = GmoRestClient(
            endpoints,
            credentials,
            limits=RateLimits(s.rate.get_per_second, s.rate.post_per_second),
            observer=MetricsClientObserver(self.metrics),
            timeout=self.client_timeout,
        )
        rules = await self.client.get_symbols()
        if self.symbol not in rules:
            raise SystemExit(f"symbol {self.symbol} is not traded on this venue; known: {sorted(rules)}")
        size_problem = venue_order_size_problem(self.symbol, s.strategy.order_size, rules[self.symbol])
        if size_problem is not None:
            raise SystemExit(size_problem)
        self.store = self._open_store()
        return Engine(
            s,
            self.timing,
            exchange=GmoExchangePort(self.client),
            market=GmoMarketData(
                self.client,
                endpoints,
                self.symbol,
                token_store=self._token_store(endpoints),
                on_token_renewal=self.metrics.ws_token_renewal,
            ),
            rules={self.symbol: rules[self.symbol]},
            store=self.store,
            strategy=self.strategy,
            halts=self.halts,
            state=self.state,
            wakeups=self.wakeups,
            metrics=self.metrics,
            journal=self.journal,
            reporter=self.reporter,
        )

    async def run(
        self, *, install_signals: bool = True, ready: Callable[[App], Awaitable[None]] | None = None
    ) -> int:
        s = self.settings
        lock = InstanceLock(s.var_dir)
        lock.acquire()  # raises AlreadyRunning with a clear message
        try:
            if install_signals:
                self.install_signals()
            # Audit lines carry no secret by construction; the redactor is the second line of defence.
            self.journal.audit_log = AuditLog(
                s.audit_log_path,
                s.audit_log_max_bytes,
                s.audit_log_retention,
                redact=SecretRedactor(s.secret_values()).redact,
            )
            self.state.halted = self.halts.load().halted
            self.metrics.set_halted(self.state.halted)
            self.controls.restore()
            self.journal.notifier = DiscordNotifier(s.discord_webhook_url, metrics=self.metrics)
            await self.journal.notifier.start()
            self.ops = OpsServer(
                s.http_host,
                s.http_port,
                self.health,
                self.metrics,
                max_loop_age=timedelta(seconds=self.timing.max_loop_age),
                status=self.status_board.snapshot,
                control=self.controls.apply,
                control_check=self.control_token.check,
            )
            # The token exists only while this run can use it: written before the port serves controls.
            self.control_token.create()
            await self.ops.start()
            self.reporter.status_changed()
            await self.reporter.write_progress()
            self.engine = await self._build_engine()
            self.controls.account = self.engine.account
            self.journal.audit(
                "start",
                {
                    "mode": s.mode.value,
                    "symbol": self.symbol,
                    "halted": self.state.halted,
                    "version": tradingbot.__version__,
                    "ops": self.ops.base_url,
                },
            )
            self.journal.notify(f"started (halted={self.state.halted})")
            log.info(
                "tradingbot %s started: mode=%s symbol=%s ops=%s",
                self.run_id,
                s.mode.value,
                self.symbol,
                self.ops.base_url,
            )
            if not decode.COMPILED:
                log.warning("market data: compiled decoder not built; decoding in pure Python (slower)")
            await self.engine.start()
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
            await self._shutdown()
            lock.release()
        return self.exit_code

    async def _stop_summary(self) -> dict[str, object]:
        """What this run did and left open (the log's summary, run_complete.json, the stop audit event)."""
        if self.engine is None or self.store is None:
            return {"paused": self.state.paused}
        return await stop_summary(
            self.store, self.engine.exchange, self.state, self.journal, since=self.run_info.started_at
        )

    async def _shutdown(self) -> None:
        if self.engine is not None:
            await self.engine.stop()
        summary: dict[str, object] = {}
        try:
            summary = await self._stop_summary()
        except Exception:
            log.exception("the stop summary failed")
        self.journal.audit("stop", {"reason": self.stop_reason, "exit_code": self.exit_code, **summary})
        self.journal.notify(f"stopped: {self.stop_reason}")
        self.reporter.write_final(
            stop_reason=self.stop_reason,
            exit_code=self.exit_code,
            orders_sent=self.engine.orders.sent_count if self.engine is not None else 0,
            summary=summary,
        )
        if self._live_task is not None:
            self._live_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._live_task
        self.control_token.remove()
        notifier = self.journal.notifier
        for closer in (
            notifier.stop() if notifier else None,
            self.ops.stop() if self.ops else None,
            self.client.aclose() if self.client else None,
            self.sim.stop() if self.sim is not None else None,
        ):
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer
        if self.store is not None:
            self.store.close()
        if self.journal.audit_log is not None:
            self.journal.audit_log.close()
        log.info("tradingbot %s stopped: %s (exit %d)", self.run_id, self.stop_reason, self.exit_code)


Daemon = App
"""The name the tests and the benchmarks have always used."""


def run(settings: Settings) -> int:
    """``python -m tradingbot run``: one run in a fresh event loop, stopped by SIGTERM/SIGINT."""
    return asyncio.run(App(settings).run())
