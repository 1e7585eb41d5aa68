"""The operator's logs: the bot's two formats with the same fields, and the same secret redaction.

``TRADINGBOT_OPERATOR_LOG_FORMAT``: ``json`` (one object a line: ``ts``, ``level``, ``logger``, ``msg``,
``extra``, ``exc``), ``text`` (``ts LEVEL logger: msg key=value``, traceback indented below) or ``auto``
(text on a terminal, JSON otherwise). These are the bot's formats (tradingbot/ops/logging.py); the
operator must not import the bot package, so the few lines are repeated here and a test holds the two
to the same output.

Redaction: the operator reads the bots' Secrets. Every value of a Secret that passes through its API
client (kube.py calls :func:`learn_secrets`) is registered, and it, its base64 and URL-encoded forms are
written as ``***`` in messages, extras and tracebacks (kopf's own log lines included: the filter sits on
the root handler).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import quote, quote_plus, urlsplit

MASK = "***"
MIN_SECRET_LENGTH = 6
LOG_FORMATS = ("auto", "json", "text")
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime", "taskName"}
)


# kopf's per-object loggers attach these; `k8s_ref` becomes `object` (namespace/name), the rest is internal.
_KOPF_ATTRS = frozenset({"k8s_skip", "k8s_ref", "settings"})


def _forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode()
        forms.update({text, text.rstrip("=")})
    parts = urlsplit(value)  # a webhook URL's last path segment is its token
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
            new = _forms(value) - self._forms
            if not new:
                return
            self._forms |= new
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


REDACTOR = SecretRedactor()


def learn_secrets(obj: Any) -> None:
    """Register the values of a Secret as read from the API, or of every Secret of a list response."""
    if not isinstance(obj, dict):
        return
    for item in obj.get("items") or ():
        learn_secrets(item)
    for raw in (obj.get("data") or {}).values():
        try:
            REDACTOR.register(base64.b64decode(str(raw), validate=True).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError):
            REDACTOR.register(str(raw))
    for text in (obj.get("stringData") or {}).values():
        REDACTOR.register(str(text))


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


class JsonFormatter(logging.Formatter):
    def __init__(self, redactor: SecretRedactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS | _KOPF_ATTRS}
        ref = getattr(record, "k8s_ref", None)
        if isinstance(ref, dict) and ref.get("name"):  # kopf's per-object loggers name the object
            extra["object"] = "/".join(str(x) for x in (ref.get("namespace"), ref["name"]) if x)
        if extra:
            entry["extra"] = extra
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return entry

    def render(self, entry: dict[str, Any]) -> str:
        return json.dumps(entry, default=str, ensure_ascii=False, separators=(",", ":"))

    def format(self, record: logging.LogRecord) -> str:
        line = self.render(self.fields(record))
        return self.redactor.redact(line) if self.redactor is not None else line


class TextFormatter(JsonFormatter):
    def render(self, entry: dict[str, Any]) -> str:
        line = f"{entry['ts']} {entry['level']:<7} {entry['logger']}: {entry['msg']}"
        for key, value in (entry.get("extra") or {}).items():
            text = value if isinstance(value, str) else super().render(value)
            line += f" {key}={text}"
        if "exc" in entry:
            line += "\n" + "\n".join("    " + row for row in str(entry["exc"]).splitlines())
        return line


def wants_text(fmt: str, stream: TextIO) -> bool:
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format {fmt!r}; accepted: {', '.join(LOG_FORMATS)}")
    if fmt == "auto":
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())
    return fmt == "text"


def redact_root_handlers() -> None:
    """Put the redacting filter on every root handler that lacks it (`kopf run` sets up its own)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(REDACTOR))


def configure(level: str = "INFO", fmt: str = "auto", stream: TextIO | None = None) -> logging.Handler:
    """Replace the root handlers with one redacting handler on `stream` (stdout by default)."""
    out = stream if stream is not None else sys.stdout
    handler = logging.StreamHandler(out)
    handler.setFormatter(TextFormatter(REDACTOR) if wants_text(fmt, out) else JsonFormatter(REDACTOR))
    handler.addFilter(RedactingFilter(REDACTOR))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
