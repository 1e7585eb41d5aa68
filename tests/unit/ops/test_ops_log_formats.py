"""The bot's and the operator's log formats: the same fields in both programs, text or JSON, redacted."""

from __future__ import annotations

import io
import json
import logging
import re
import sys

import pytest
from tradingbot.ops import logging as bot_logs
from tradingbot_operator import logs as op_logs

SECRET = "sk-live-Zq81nVc0aa"
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|ERROR|WARNING|DEBUG) +[\w.]+: ")


def _record(msg: str, *, extra: dict[str, object] | None = None, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError(f"boom {SECRET}")
        except RuntimeError:
            exc_info = sys.exc_info()
    record = logging.LogRecord("tradingbot.x", logging.ERROR, __file__, 1, msg, None, exc_info)
    record.created = 1_767_225_600.25  # 2026-01-01T00:00:00.250Z
    for key, value in (extra or {}).items():
        setattr(record, key, value)
    return record


def _emit(formatter: logging.Formatter, filt: logging.Filter, record: logging.LogRecord) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(filt)
    handler.handle(record)
    return stream.getvalue()


@pytest.mark.parametrize("kind", ["json", "text"])
def test_bot_and_operator_write_the_same_lines(kind: str) -> None:
    bot_redactor = bot_logs.SecretRedactor([SECRET])
    op_redactor = op_logs.SecretRedactor([SECRET])
    bot_fmt = bot_logs.JsonFormatter(bot_redactor) if kind == "json" else bot_logs.TextFormatter(bot_redactor)
    op_fmt = op_logs.JsonFormatter(op_redactor) if kind == "json" else op_logs.TextFormatter(op_redactor)
    for make in (
        lambda: _record(f"key is {SECRET}", extra={"stream": "public", "n": 3}),
        lambda: _record("failed", exc=True),
        lambda: _record("plain"),
    ):
        bot_line = _emit(bot_fmt, bot_logs.RedactingFilter(bot_redactor), make())
        op_line = _emit(op_fmt, op_logs.RedactingFilter(op_redactor), make())
        assert bot_line == op_line
        assert SECRET not in bot_line
    if kind == "json":
        entry = json.loads(_emit(op_fmt, op_logs.RedactingFilter(op_redactor), _record("m", extra={"a": 1})))
        assert entry == {
            "ts": "2026-01-01T00:00:00.250Z",
            "level": "ERROR",
            "logger": "tradingbot.x",
            "msg": "m",
            "extra": {"a": 1},
        }
    else:
        line = _emit(op_fmt, op_logs.RedactingFilter(op_redactor), _record("m", extra={"a": 1}, exc=True))
        first, *trace = line.rstrip("\n").splitlines()
        assert first == "2026-01-01T00:00:00.250Z ERROR   tradingbot.x: m a=1"
        assert trace[0] == "    Traceback (most recent call last):"
        assert trace[-1] == "    RuntimeError: boom ***"


def test_operator_masks_the_values_of_secrets_it_read() -> None:
    value = "operator-test-secret-Qm3"
    other = "never-read-value-xyz"
    encoded = __import__("base64").b64encode(value.encode()).decode()
    op_logs.learn_secrets({"items": [{"kind": "Secret", "data": {"key": encoded}}]})
    stream = io.StringIO()
    handler = op_logs.configure("INFO", "json", stream)
    try:
        logging.getLogger("kopf.objects").error("leaked %s and %s (b64 %s)", value, other, encoded)
    finally:
        logging.getLogger().removeHandler(handler)
    out = stream.getvalue()
    assert value not in out
    assert encoded not in out
    assert other in out  # only what the operator read is masked
    assert json.loads(out)["msg"] == f"leaked *** and {other} (b64 ***)"


def test_kopf_object_reference_becomes_the_object_field() -> None:
    record = _record(
        "reconciled", extra={"k8s_ref": {"namespace": "prod", "name": "bot1"}, "k8s_skip": False}
    )
    line = _emit(op_logs.JsonFormatter(op_logs.REDACTOR), op_logs.RedactingFilter(op_logs.REDACTOR), record)
    assert json.loads(line)["extra"] == {"object": "prod/bot1"}


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("module", [bot_logs, op_logs])
def test_auto_is_text_on_a_terminal_and_json_elsewhere(module: object) -> None:
    wants_text = module.wants_text  # type: ignore[attr-defined]
    assert wants_text("auto", _Tty()) is True
    assert wants_text("auto", io.StringIO()) is False
    assert wants_text("json", _Tty()) is False
    assert wants_text("text", io.StringIO()) is True
    with pytest.raises(ValueError, match="accepted: auto, json, text"):
        wants_text("yaml", io.StringIO())


def test_text_line_shape() -> None:
    line = _emit(
        bot_logs.TextFormatter(bot_logs.SecretRedactor()),
        bot_logs.RedactingFilter(bot_logs.SecretRedactor()),
        _record("hello"),
    )
    assert TEXT_LINE.match(line), line
