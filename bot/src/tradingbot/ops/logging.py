"""Logs on stdout, JSON or text, and secret redaction.

Format (``TRADINGBOT_LOG_FORMAT``): ``json`` is one object a line (``ts``, ``level``, ``logger``, ``msg``,
``extra``, ``exc``) for collectors; ``text`` is the same fields as one readable line
(``ts LEVEL logger: msg key=value``, the traceback indented below); ``auto`` (the default) picks text when
stdout is a terminal and JSON otherwise. The operator writes the same two formats with the same fields
(tradingbot_operator.logs).

Every registered secret value — and its base64 and URL-encoded forms — is replaced by ``***`` in the
message, the extras and the formatted exception before the line is written, in both formats.
"""

from __future__ import annotations

import base64
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import quote, quote_plus, urlsplit

import orjson

MASK = "***"
MIN_SECRET_LENGTH = 6
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime", "taskName"}
)


def _forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode()
        forms.update({text, text.rstrip("=")})
    # A webhook URL's last path segment is its token: a secret on its own.
    parts = urlsplit(value)
    if parts.scheme in {"http", "https"} and parts.path:
        token = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if len(token) >= MIN_SECRET_LENGTH * 2:
            forms.add(token)
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


class SecretRedactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.register(secret)

    def register(self, value: str) -> None:
        if len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            self._forms |= _forms(value)
            ordered = sorted(self._forms, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(f) for f in ordered))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(MASK, text)

    def redact_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact_value(v) for v in value]
        return value


class RedactingFilter(logging.Filter):
    """Rewrites the record in place, so every handler after it sees only redacted text."""

    def __init__(self, redactor: SecretRedactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not drop the record
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        record.exc_info = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = self.redactor.redact_value(value)
        return True


LOG_FORMATS = ("auto", "json", "text")


class JsonFormatter(logging.Formatter):
    def __init__(self, redactor: SecretRedactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The fields of one line, in both formats."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        if extra:
            entry["extra"] = extra
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return entry

    def render(self, entry: dict[str, Any]) -> str:
        return orjson.dumps(entry, default=str).decode()

    def format(self, record: logging.LogRecord) -> str:
        line = self.render(self.fields(record))
        # Last line of defence: whatever slipped past the filter is still masked in the output.
        return self.redactor.redact(line) if self.redactor is not None else line


class TextFormatter(JsonFormatter):
    """``2026-01-05T09:00:00.123Z INFO    tradingbot.engine.daemon: msg key=value`` (+ indented traceback)."""

    def render(self, entry: dict[str, Any]) -> str:
        line = f"{entry['ts']} {entry['level']:<7} {entry['logger']}: {entry['msg']}"
        for key, value in (entry.get("extra") or {}).items():
            text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
            line += f" {key}={text}"
        if "exc" in entry:
            line += "\n" + "\n".join("    " + row for row in str(entry["exc"]).splitlines())
        return line


def wants_text(fmt: str, stream: TextIO) -> bool:
    """``text`` / ``json`` as set; ``auto``: text when the stream is a terminal."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format {fmt!r}; accepted: {', '.join(LOG_FORMATS)}")
    if fmt == "auto":
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())
    return fmt == "text"


def configure_logging(
    level: str = "INFO",
    *,
    redactor: SecretRedactor | None = None,
    stream: TextIO | None = None,
    fmt: str = "auto",
) -> logging.Handler:
    """Replace the root handlers with one handler on ``stream`` (stdout by default), JSON or text."""
    redactor = redactor if redactor is not None else SecretRedactor()
    out = stream if stream is not None else sys.stdout
    handler = logging.StreamHandler(out)
    handler.setFormatter(TextFormatter(redactor) if wants_text(fmt, out) else JsonFormatter(redactor))
    handler.addFilter(RedactingFilter(redactor))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO; the webhook URL is a secret, and request lines are noise.
    for noisy in ("httpx", "httpcore", "websockets", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
