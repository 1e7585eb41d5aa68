from __future__ import annotations

from decimal import Decimal

from prometheus_client.parser import text_string_to_metric_families
from tradingbot.ops.metrics import BotMetrics, MetricsClientObserver
from tradingbot.ops.status import MonitorStatus
from tradingbot.risk import RiskStatus


def _samples(metrics: BotMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_seed_metric_names_exist_from_the_start() -> None:
    samples = _samples(BotMetrics())
    assert samples[("run_loop_failures_total", ())] == 0
    for status in ("active", "reconnecting", "degraded", "halted"):
        assert ("monitor_status", (("status", status),)) in samples


def test_monitor_status_is_one_hot() -> None:
    metrics = BotMetrics()
    for current in MonitorStatus:
        metrics.set_monitor_status(current)
        samples = _samples(metrics)
        values = {s.value: samples[("monitor_status", (("status", s.value),))] for s in MonitorStatus}
        assert values == {s.value: (1.0 if s is current else 0.0) for s in MonitorStatus}


def test_loop_failures_count() -> None:
    metrics = BotMetrics()
    metrics.inc_loop_failure()
    metrics.inc_loop_failure()
    assert _samples(metrics)[("run_loop_failures_total", ())] == 2


def test_trading_metrics() -> None:
    metrics = BotMetrics(version="1.2.3", mode="paper", symbol="BTC_JPY")
    metrics.record_order("confirmed")
    metrics.record_order("order-637000")  # an id must never become a label value
    metrics.record_fill()
    metrics.set_position(Decimal("-0.03"))
    metrics.set_equity(Decimal("10000123.5"))
    metrics.set_drawdown(Decimal("0.05"))
    metrics.ws_reconnect("public")
    metrics.ws_reconnect("wss://token-abc")
    metrics.malformed_frame("private")
    metrics.malformed_frame("public", "crossed")
    metrics.malformed_frame("public", "\u0000 not a reason")  # a label value only from the fixed set
    metrics.observe_loop(0.003, at_unix=1_800_000_000.0)
    metrics.notification_dropped()
    metrics.set_risk(RiskStatus.DEGRADED, ("max_leverage_exceeded",))
    s = _samples(metrics)
    assert s[("tradingbot_orders_total", (("outcome", "confirmed"),))] == 1
    assert s[("tradingbot_orders_total", (("outcome", "other"),))] == 1
    assert s[("tradingbot_fills_total", ())] == 1
    assert s[("tradingbot_position_size", ())] == -0.03
    assert s[("tradingbot_equity_jpy", ())] == 10000123.5
    assert s[("tradingbot_drawdown_ratio", ())] == 0.05
    assert s[("tradingbot_ws_reconnects_total", (("stream", "public"),))] == 1
    assert s[("tradingbot_ws_reconnects_total", (("stream", "other"),))] == 1
    assert s[("tradingbot_malformed_frames_total", (("reason", "other"), ("stream", "private")))] == 1
    assert s[("tradingbot_malformed_frames_total", (("reason", "crossed"), ("stream", "public")))] == 1
    assert s[("tradingbot_malformed_frames_total", (("reason", "other"), ("stream", "public")))] == 1
    assert s[("tradingbot_loop_seconds_count", ())] == 1
    assert s[("tradingbot_last_loop_timestamp_seconds", ())] == 1_800_000_000.0
    assert s[("tradingbot_notifier_dropped_total", ())] == 1
    assert s[("tradingbot_risk_status", (("status", "degraded"),))] == 1
    assert s[("tradingbot_risk_status", (("status", "ok"),))] == 0
    assert s[("tradingbot_risk_reason_active", (("reason", "max_leverage_exceeded"),))] == 1
    assert s[("tradingbot_build_info", (("mode", "paper"), ("symbol", "BTC_JPY"), ("version", "1.2.3")))] == 1
    text = metrics.render().decode()
    assert "637000" not in text
    assert "token-abc" not in text


def test_client_observer_adapter_bounds_paths() -> None:
    metrics = BotMetrics()
    observer = MetricsClientObserver(metrics)
    observer.on_request("GET", "/v1/ticker?symbol=BTC_JPY", 0.02, "ok")
    observer.on_request("post", "/v1/order", 0.05, "rate_limit")
    observer.on_request("GET", "/v1/ws-auth/secret-token-xyz/extra/more", 0.01, "weird-outcome")
    observer.on_rate_limited()
    observer.on_retry("/v1/ticker")
    s = _samples(metrics)
    assert (
        s[
            (
                "tradingbot_exchange_requests_total",
                (("method", "GET"), ("outcome", "ok"), ("path", "/v1/ticker")),
            )
        ]
        == 1
    )
    assert (
        s[
            (
                "tradingbot_exchange_requests_total",
                (("method", "POST"), ("outcome", "rate_limit"), ("path", "/v1/order")),
            )
        ]
        == 1
    )
    assert (
        s[
            (
                "tradingbot_exchange_requests_total",
                (("method", "GET"), ("outcome", "other"), ("path", "other")),
            )
        ]
        == 1
    )
    assert s[("tradingbot_rate_limit_hits_total", ())] == 1
    assert s[("tradingbot_exchange_retries_total", (("path", "/v1/ticker"),))] == 1
    assert s[("tradingbot_exchange_request_seconds_count", (("method", "GET"),))] == 2
    assert "secret-token-xyz" not in metrics.render().decode()


def test_registries_are_independent() -> None:
    a, b = BotMetrics(), BotMetrics()
    a.inc_loop_failure()
    assert _samples(b)[("run_loop_failures_total", ())] == 0
