"""Operations surface: HTTP (/livez, /healthz, /metrics), metrics, artifacts, audit log, notifier,
single-instance lock and structured logging. Small modules; import them directly
(``from tradingbot.ops.metrics import BotMetrics``)."""
