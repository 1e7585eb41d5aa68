"""Server-side check of GMO's private REST authentication (independent of the client's signer)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from tradingbot.sim.grammar import is_integer


class AuthError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def expected_signature(secret: str, timestamp: str, method: str, path: str, body: str) -> str:
    # GMO signs the body for POST only; GET, PUT and DELETE sign timestamp + method + path.
    text = timestamp + method + path + (body if method == "POST" else "")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def verify(
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: str,
    credentials: Mapping[str, str],
    now_ms: int,
    tolerance_ms: int,
) -> str:
    """Return the API key of a correctly signed request or raise `AuthError` with the GMO code.

    `path` is the part after the private base URL, without the query string (e.g. ``/v1/order``).
    """
    key = headers.get("API-KEY", "")
    if not key:
        raise AuthError("ERR-5011", "API-KEY header is missing")
    secret = credentials.get(key)
    if secret is None:
        raise AuthError("ERR-5012", "API-KEY is not registered")
    stamp = headers.get("API-TIMESTAMP", "")
    # isdigit() would let fullwidth or Arabic-Indic digits through, and int() would read them.
    if not is_integer(stamp):
        raise AuthError(
            "ERR-5010", f"API-TIMESTAMP={stamp[:40]!r} must be milliseconds since the epoch in ASCII digits"
        )
    skew = int(stamp) - now_ms
    if skew > tolerance_ms:
        raise AuthError("ERR-5008", f"API-TIMESTAMP is {skew} ms ahead of the server clock")
    if skew < -tolerance_ms:
        raise AuthError("ERR-5009", f"API-TIMESTAMP is {-skew} ms behind the server clock")
    given = headers.get("API-SIGN", "")
    if not hmac.compare_digest(given, expected_signature(secret, stamp, method, path, body)):
        raise AuthError("ERR-5010", f"API-SIGN does not match {method} {path}")
    return key
