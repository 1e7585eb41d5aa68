"""Request signing: HMAC-SHA256 over timestamp + METHOD + path (+ body for POST only)."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from pydantic import SecretStr

HEADER_KEY = "API-KEY"
HEADER_TIMESTAMP = "API-TIMESTAMP"
HEADER_SIGN = "API-SIGN"
SECRET_HEADERS = frozenset({HEADER_KEY.lower(), HEADER_SIGN.lower()})


@dataclass(frozen=True)
class Credentials:
    api_key: SecretStr
    api_secret: SecretStr

    @classmethod
    def of(cls, api_key: str, api_secret: str) -> Credentials:
        return cls(SecretStr(api_key), SecretStr(api_secret))


def sign(secret: str, timestamp: str, method: str, path: str, body: str = "") -> str:
    """Lower-case hex HMAC-SHA256 of `timestamp + METHOD + path + body` (body only for POST).

    `path` is the part after the base URL without the query string ("/v1/order"). GMO signs PUT and
    DELETE without their body, so the body is dropped here for every method but POST.
    """
    upper = method.upper()
    text = timestamp + upper + path + (body if upper == "POST" else "")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def timestamp_ms() -> str:
    """Milliseconds since the epoch, as GMO wants in API-TIMESTAMP."""
    return str(time.time_ns() // 1_000_000)


def signed_headers(
    credentials: Credentials, method: str, path: str, body: str, timestamp: str
) -> dict[str, str]:
    return {
        HEADER_KEY: credentials.api_key.get_secret_value(),
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGN: sign(credentials.api_secret.get_secret_value(), timestamp, method, path, body),
    }
