"""Distinctive secret values planted everywhere; none may surface in any output of the ops surface."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from ops_fakes import FakeWebhook
from pydantic import SecretStr
from tradingbot.config import ConfigError, describe, load_settings
from tradingbot.ops.artifacts import ArtifactWriter, RunComplete, RunProgress
from tradingbot.ops.audit import AuditLog
from tradingbot.ops.health import HealthReport
from tradingbot.ops.http import OpsServer
from tradingbot.ops.logging import SecretRedactor, configure_logging
from tradingbot.ops.metrics import BotMetrics, MetricsClientObserver
from tradingbot.ops.notifier import DiscordNotifier
from tradingbot.ops.status import MonitorStatus

from tests.support.eventually import eventually

KEY = "PLANTEDKEY-4f1d9a0c77e2"
SECRET = "PLANTEDSECRET-9b3e6d1f+/="


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield stream
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in saved[0]:
        root.addHandler(h)
    root.setLevel(saved[1])


async def test_planted_secrets_never_surface(
    tmp_path: Path, fake_webhook: FakeWebhook, log_stream: io.StringIO
) -> None:
    webhook = fake_webhook.url
    token = webhook.rsplit("/", 1)[-1]
    planted = (KEY, SECRET, webhook, token)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "gmo_api_key").write_text(KEY + "\n")
    (secrets / "discord_webhook_url").write_text(webhook)
    env = {
        "TRADINGBOT_SECRETS_DIR": str(secrets),
        "TRADINGBOT_VAR_DIR": str(tmp_path / "var"),
        "GMO_API_SECRET": SECRET,
    }
    settings = load_settings(env)
    redactor = SecretRedactor(settings.secret_values())
    configure_logging("DEBUG", redactor=redactor, stream=log_stream)
    log = logging.getLogger("tradingbot.test")

    outputs: dict[str, str] = {}
    outputs["describe"] = json.dumps(describe(settings))
    outputs["repr"] = repr(settings) + str(settings)

    # Accidents a careless caller could make: all go through the logging redaction.
    log.info(
        "settings %s key=%s",
        settings,
        settings.gmo_api_key.get_secret_value() if settings.gmo_api_key else "",
    )
    log.warning("signed", extra={"headers": {"API-KEY": KEY, "sign-input": SECRET}, "url": webhook})
    try:
        raise RuntimeError(f"request to {webhook} failed with secret {SECRET}")
    except RuntimeError:
        log.exception("boom")

    # Refused live mode must not echo the secrets either.
    with pytest.raises(ConfigError) as refused:
        load_settings({**env, "TRADINGBOT_MODE": "live"})
    outputs["config_error"] = str(refused.value)

    metrics = BotMetrics(version="t", mode=settings.mode.value, symbol=settings.symbol)
    observer = MetricsClientObserver(metrics)
    observer.on_request("POST", f"/v1/ws-auth/{KEY}", 0.1, SECRET)
    observer.on_retry(f"/v1/{token}")
    metrics.ws_reconnect(webhook)

    # The notifier: a refused message and a 429, both logged, neither with the URL.
    fake_webhook.script = [(429, {"Retry-After": "0.01"}, None), (400, {}, {"message": f"bad {webhook}"})]
    notifier = DiscordNotifier(settings.discord_webhook_url, metrics=metrics, min_interval=0.0)
    await notifier.start()
    notifier.notify("halted: max_drawdown_exceeded")
    await eventually(lambda: notifier.failed == 1)
    await notifier.stop()
    unreachable = DiscordNotifier(SecretStr("http://127.0.0.1:9/api/webhooks/1/" + token), max_attempts=1)
    await unreachable.start()
    unreachable.notify("x")
    await eventually(lambda: unreachable.failed == 1)
    await unreachable.stop()

    report = HealthReport(
        monitor_status=MonitorStatus.ACTIVE,
        secrets={name: src.value for name, src in settings.secret_sources.model_dump().items()},
    )
    async with (
        OpsServer("127.0.0.1", 0, lambda: report, metrics) as server,
        httpx.AsyncClient(base_url=server.base_url, trust_env=False) as client,
    ):
        health = await client.get("/healthz")
        outputs["healthz"] = health.text
        outputs["metrics"] = (await client.get("/metrics")).text
    assert json.loads(outputs["healthz"])["secrets"] == {
        "gmo_api_key": "file",
        "gmo_api_secret": "env",
        "discord_webhook_url": "file",
    }

    writer = ArtifactWriter(settings.artifacts_dir)
    started = datetime.now(UTC)
    writer.write_progress(RunProgress(run_id="r", monitor_status=MonitorStatus.ACTIVE, started_at=started))
    writer.write_complete(RunComplete(run_id="r", stop_reason="test", started_at=started, exit_code=0))
    with AuditLog(settings.audit_log_path, 4096, 2, redact=redactor.redact) as audit:
        audit.write("config_loaded", {"settings": describe(settings), "oops": KEY})
    for path in sorted(settings.var_dir.rglob("*")):
        if path.is_file():
            outputs[str(path)] = path.read_text()

    outputs["logs"] = log_stream.getvalue()
    assert "webhook rate limited" in outputs["logs"]
    assert "webhook refused the message" in outputs["logs"]
    assert "webhook post failed" in outputs["logs"]
    for where, text in outputs.items():
        for value in planted:
            assert value not in text, f"a planted secret surfaced in {where}"
