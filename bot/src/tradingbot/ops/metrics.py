"""Prometheus metrics of the bot, on a registry of its own (no global state, so tests can build many).

Seed names (exact): ``run_loop_failures_total`` and ``monitor_status{status=...}``. Everything else is
``tradingbot_*``. Labels only take values from fixed sets (streams, outcomes, methods, known paths), so no
label is unbounded and no order id, URL or secret can reach a label.
"""

from __future__ import annotations

import re
from decimal import Decimal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from tradingbot.marketdata.reasons import MALFORMED_REASONS
from tradingbot.ops.status import MonitorStatus
from tradingbot.risk.matrix import RiskStatus
from tradingbot.risk.price_guard import TRIP_REASONS

# `<counter>_created` doubles every counter and histogram on /metrics and no rule or panel reads it. The
# switch is process-wide and read at render time; the operator's metrics module flips the same one.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = CONTENT_TYPE_LATEST
STREAMS = ("public", "private")
# Why the private stream replaced its WS token (tradingbot.venues.gmo.ws.PrivateStream._renewed).
TOKEN_RENEWAL_REASONS = ("stored_invalid", "rejected_after_drop", "handshake_refused", "extension_rejected")
ORDER_OUTCOMES = ("confirmed", "rejected", "unresolved", "canceled", "error")
REQUEST_OUTCOMES = (
    "ok",
    "auth",
    "network",
    "rate_limit",
    "exchange",
    "insufficient_funds",
    "invalid_request",
    "not_found",
    "unknown",
)
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE")
OTHER = "other"
_PATH_RE = re.compile(r"^/v1/[A-Za-z][A-Za-z-]{0,40}(/[A-Za-z][A-Za-z-]{0,40})?$")


def _bounded(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else OTHER


def _path_label(path: str) -> str:
    # Only GMO's fixed endpoint paths (no query, no ids, no tokens: the private WS URL carries one).
    path = path.split("?", 1)[0]
    return path if _PATH_RE.fullmatch(path) else OTHER


class BotMetrics:
    def __init__(self, *, version: str = "unknown", mode: str = "paper", symbol: str = "") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.run_loop_failures = Counter(
            "run_loop_failures", "Iterations of the trading loop that raised", registry=r
        )
        self.monitor_status = Gauge(
            "monitor_status",
            "1 for the bot's current monitor status, 0 for the others",
            ["status"],
            registry=r,
        )
        self.risk_status = Gauge(
            "tradingbot_risk_status", "1 for the current risk matrix status", ["status"], registry=r
        )
        self.risk_reason = Gauge(
            "tradingbot_risk_reason_active", "1 while a risk reason code fires", ["reason"], registry=r
        )
        self.halted = Gauge("tradingbot_halted", "1 while the persistent halt is set", registry=r)
        self.orders = Counter("tradingbot_orders", "Orders by outcome", ["outcome"], registry=r)
        self.fills = Counter("tradingbot_fills", "Executions received", registry=r)
        self.position_size = Gauge("tradingbot_position_size", "Signed net position (base units)", registry=r)
        self.equity = Gauge("tradingbot_equity_jpy", "Equity incl. unrealised P&L (JPY)", registry=r)
        self.drawdown = Gauge(
            "tradingbot_drawdown_ratio", "Drawdown from the equity peak (ratio)", registry=r
        )
        self.daily_loss = Gauge("tradingbot_daily_loss_jpy", "Loss since the trading day started", registry=r)
        self.ws_reconnects = Counter(
            "tradingbot_ws_reconnects", "WebSocket reconnects by stream", ["stream"], registry=r
        )
        self.ws_token_renewals = Counter(
            "tradingbot_ws_token_renewals",
            "Private-stream access tokens replaced because the held one stopped working",
            ["reason"],
            registry=r,
        )
        self.stream_connected = Gauge(
            "tradingbot_stream_connected", "1 while the stream is connected", ["stream"], registry=r
        )
        self.rate_limit_hits = Counter(
            "tradingbot_rate_limit_hits", "ERR-5003 answers / local limiter refusals", registry=r
        )
        self.request_retries = Counter(
            "tradingbot_exchange_retries", "Retried exchange reads", ["path"], registry=r
        )
        self.requests = Counter(
            "tradingbot_exchange_requests",
            "Exchange REST requests",
            ["method", "path", "outcome"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "tradingbot_exchange_request_seconds",
            "Exchange REST latency",
            ["method"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.malformed_frames = Counter(
            "tradingbot_malformed_frames",
            "Refused WebSocket frames by stream and reason (public: marketdata.MALFORMED_REASONS)",
            ["stream", "reason"],
            registry=r,
        )
        self.price_guard_trips = Counter(
            "tradingbot_price_guard_trips",
            "Price guard trips by reason (jump: an unconfirmed price move; stale: no valid update)",
            ["reason"],
            registry=r,
        )
        self.loop_seconds = Histogram(
            "tradingbot_loop_seconds",
            "Duration of one trading-loop iteration",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=r,
        )
        self.last_loop = Gauge(
            "tradingbot_last_loop_timestamp_seconds", "Unix time of the last loop", registry=r
        )
        self.notifier_dropped = Counter(
            "tradingbot_notifier_dropped", "Notifications dropped (queue full or undeliverable)", registry=r
        )
        self.notifier_sent = Counter("tradingbot_notifier_sent", "Notifications delivered", registry=r)
        self.build_info = Info("tradingbot_build", "Build and run information", registry=r)
        self.build_info.info({"version": version, "mode": mode, "symbol": symbol})
        # Every labelled series exists from the start: alerts on absent series are unreliable.
        for status in MonitorStatus:
            self.monitor_status.labels(status=status.value)
        for risk in RiskStatus:
            self.risk_status.labels(status=risk.value)
        for stream in STREAMS:
            self.ws_reconnects.labels(stream=stream)
            for reason in (*MALFORMED_REASONS, OTHER):
                self.malformed_frames.labels(stream=stream, reason=reason)
            self.stream_connected.labels(stream=stream)
        for outcome in ORDER_OUTCOMES:
            self.orders.labels(outcome=outcome)
        for reason in TRIP_REASONS:
            self.price_guard_trips.labels(reason=reason)
        self.set_monitor_status(MonitorStatus.RECONNECTING)
        self.set_risk(RiskStatus.OK, ())

    # seed metrics
    def set_monitor_status(self, status: MonitorStatus) -> None:
        for candidate in MonitorStatus:
            self.monitor_status.labels(status=candidate.value).set(1 if candidate is status else 0)

    def inc_loop_failure(self) -> None:
        self.run_loop_failures.inc()

    # trading loop
    def observe_loop(self, seconds: float, *, at_unix: float | None = None) -> None:
        self.loop_seconds.observe(seconds)
        if at_unix is not None:
            self.last_loop.set(at_unix)

    def set_risk(self, status: RiskStatus, reasons: tuple[str, ...]) -> None:
        from tradingbot.risk.matrix import REASON_CODES

        for candidate in RiskStatus:
            self.risk_status.labels(status=candidate.value).set(1 if candidate is status else 0)
        for reason in REASON_CODES:
            self.risk_reason.labels(reason=reason).set(1 if reason in reasons else 0)

    def set_halted(self, halted: bool) -> None:
        self.halted.set(1 if halted else 0)

    def record_order(self, outcome: str) -> None:
        self.orders.labels(outcome=_bounded(outcome, ORDER_OUTCOMES)).inc()

    def record_fill(self) -> None:
        self.fills.inc()

    def set_position(self, size: Decimal) -> None:
        self.position_size.set(float(size))

    def set_equity(self, equity_jpy: Decimal) -> None:
        self.equity.set(float(equity_jpy))

    def set_drawdown(self, ratio: Decimal) -> None:
        self.drawdown.set(float(ratio))

    def set_daily_loss(self, loss_jpy: Decimal) -> None:
        self.daily_loss.set(float(loss_jpy))

    # streams
    def ws_reconnect(self, stream: str) -> None:
        self.ws_reconnects.labels(stream=_bounded(stream, STREAMS)).inc()

    def ws_token_renewal(self, reason: str) -> None:
        self.ws_token_renewals.labels(reason=_bounded(reason, TOKEN_RENEWAL_REASONS)).inc()

    def set_stream_connected(self, stream: str, connected: bool) -> None:
        self.stream_connected.labels(stream=_bounded(stream, STREAMS)).set(1 if connected else 0)

    def malformed_frame(self, stream: str, reason: str = OTHER) -> None:
        """A refused frame; ``reason`` one of ``MALFORMED_REASONS`` (a caller that has none: ``other``)."""
        self.malformed_frames.labels(
            stream=_bounded(stream, STREAMS), reason=_bounded(reason, MALFORMED_REASONS)
        ).inc()

    def price_guard_trip(self, reason: str) -> None:
        self.price_guard_trips.labels(reason=_bounded(reason, TRIP_REASONS)).inc()

    # exchange client
    def rate_limit_hit(self) -> None:
        self.rate_limit_hits.inc()

    def exchange_request(self, method: str, path: str, seconds: float, outcome: str) -> None:
        method_label = _bounded(method.upper(), HTTP_METHODS)
        self.requests.labels(
            method=method_label, path=_path_label(path), outcome=_bounded(outcome, REQUEST_OUTCOMES)
        ).inc()
        self.request_seconds.labels(method=method_label).observe(seconds)

    def exchange_retry(self, path: str) -> None:
        self.request_retries.labels(path=_path_label(path)).inc()

    # notifier
    def notification_dropped(self) -> None:
        self.notifier_dropped.inc()

    def notification_sent(self) -> None:
        self.notifier_sent.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsClientObserver:
    """Implements the exchange client's ``ClientObserver`` protocol (contracts §4) on :class:`BotMetrics`.

    Structural typing: nothing from ``tradingbot.venues`` is imported here.
    """

    def __init__(self, metrics: BotMetrics) -> None:
        self._metrics = metrics

    def on_request(self, method: str, path: str, seconds: float, outcome: str) -> None:
        self._metrics.exchange_request(method, path, seconds, outcome)

    def on_rate_limited(self) -> None:
        self._metrics.rate_limit_hit()

    def on_retry(self, path: str) -> None:
        self._metrics.exchange_retry(path)
