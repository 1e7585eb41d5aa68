"""Secret references -> snapshot: resolution, hashing and naming. Values never leave this module's
return values (no logging, no messages that contain them)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

from tradingbot_operator.spec import Mode, TradingBotSpec

SNAPSHOT_LABEL = "tradingbot.dev/secret-snapshot"


@dataclasses.dataclass(frozen=True)
class Resolution:
    """Either data (file name -> base64 value) and its hash, or a problem naming what is wrong."""

    data: dict[str, str] | None
    hash: str
    problem: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.data is not None


def referenced_secret_names(spec: TradingBotSpec) -> set[str]:
    return {ref.name for ref in spec.secrets.by_file().values()}


def resolve(spec: TradingBotSpec, secrets: Mapping[str, Mapping[str, Any] | None]) -> Resolution:
    """Pick each referenced key out of the fetched Secrets (None = not found)."""
    refs = spec.secrets.by_file()
    if spec.mode is Mode.LIVE:
        missing = [f for f in ("gmo_api_key", "gmo_api_secret") if f not in refs]
        if missing:
            return Resolution(
                None, "", f"live mode needs secret references for {', '.join(missing)}", "MissingReference"
            )
    data: dict[str, str] = {}
    for file, ref in sorted(refs.items()):
        secret = secrets.get(ref.name)
        if secret is None:
            return Resolution(None, "", f"Secret {ref.name!r} (for {file}) not found", "SecretNotFound")
        raw = (secret.get("data") or {}).get(ref.key)
        if raw is None:
            return Resolution(
                None, "", f"Secret {ref.name!r} has no key {ref.key!r} (for {file})", "KeyNotFound"
            )
        try:
            decoded = base64.b64decode(str(raw), validate=True)
        except (binascii.Error, ValueError):
            return Resolution(
                None, "", f"key {ref.key!r} of Secret {ref.name!r} is not valid base64", "InvalidValue"
            )
        if not decoded.strip():
            return Resolution(
                None, "", f"key {ref.key!r} of Secret {ref.name!r} (for {file}) is empty", "EmptyValue"
            )
        data[file] = str(raw)
    return Resolution(data, data_hash(data))


def data_hash(data: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for key in sorted(data):
        digest.update(key.encode() + b"\0" + data[key].encode() + b"\0")
    return digest.hexdigest()


def snapshot_name(bot_name: str, secret_hash: str) -> str:
    return f"{bot_name}-secrets-{secret_hash[:10]}"
