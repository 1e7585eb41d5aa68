from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from tradingbot.ops.logging import SecretRedactor, configure_logging

SECRET = "planted-secret/+=value-91c"
WEBHOOK = "https://discord.example/api/webhooks/42/planted-token-abcdef123456"


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, SecretRedactor]]:
    stream = io.StringIO()
    redactor = SecretRedactor([SECRET, WEBHOOK])
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("DEBUG", redactor=redactor, stream=stream)
    try:
        yield stream, redactor
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_with_fields(captured: tuple[io.StringIO, SecretRedactor]) -> None:
    stream, _ = captured
    logging.getLogger("tradingbot.engine").info(
        "order %s placed", 5, extra={"order_id": 637000, "side": "BUY"}
    )
    (entry,) = _lines(stream)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "tradingbot.engine"
    assert entry["msg"] == "order 5 placed"
    assert entry["extra"] == {"order_id": 637000, "side": "BUY"}
    assert str(entry["ts"]).endswith("Z")


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        WEBHOOK,
        "planted-token-abcdef123456",
    ],
)
def test_every_form_is_redacted(captured: tuple[io.StringIO, SecretRedactor], form: str) -> None:
    stream, _ = captured
    log = logging.getLogger("t")
    log.warning("value=%s", form, extra={"nested": {"x": [form]}})
    try:
        raise RuntimeError(f"boom {form}")
    except RuntimeError:
        log.exception("failed")
    out = stream.getvalue()
    assert form not in out
    assert "***" in out
    assert len(_lines(stream)) == 2


def test_short_values_are_not_registered() -> None:
    redactor = SecretRedactor(["ab"])
    assert redactor.redact("abc ab") == "abc ab"


def test_httpx_request_lines_are_quiet(captured: tuple[io.StringIO, SecretRedactor]) -> None:
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
