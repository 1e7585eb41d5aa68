"""The parts of the bot's settings: the nested models, the enums and the audit-log limits.

:mod:`tradingbot.config` composes them into the one ``Settings`` object; they live here so that module
stays about loading and checking the whole.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AUDIT_LOG_MAX_BYTES_DEFAULT = 10_485_760
AUDIT_LOG_RETENTION_DEFAULT = 5
AUDIT_LOG_MIN_BYTES = 1024
AUDIT_LOG_MAX_RETENTION = 1000


class Mode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


class SecretSource(StrEnum):
    FILE = "file"
    ENV = "env"
    ABSENT = "absent"


class StrategySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Literal["ma_cross"] = "ma_cross"
    fast_window: int = Field(default=5, ge=1, le=10_000)
    slow_window: int = Field(default=20, ge=2, le=10_000)
    order_size: Decimal = Field(default=Decimal("0.01"), gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _fast_below_slow(self) -> StrategySettings:
        if self.fast_window >= self.slow_window:
            raise ValueError(
                f"TRADINGBOT_STRATEGY__FAST_WINDOW={self.fast_window} must be smaller than"
                f" TRADINGBOT_STRATEGY__SLOW_WINDOW={self.slow_window}"
            )
        return self


class RateSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    get_per_second: int = Field(default=20, ge=1, le=1000)
    post_per_second: int = Field(default=20, ge=1, le=1000)


class SecretSources(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    gmo_api_key: SecretSource = SecretSource.ABSENT
    gmo_api_secret: SecretSource = SecretSource.ABSENT
    discord_webhook_url: SecretSource = SecretSource.ABSENT


def check_audit_max_bytes(max_bytes: int) -> int:
    if max_bytes < AUDIT_LOG_MIN_BYTES:
        raise ValueError(
            f"AUDIT_LOG_MAX_BYTES={max_bytes} is too small; accepted: an integer >= {AUDIT_LOG_MIN_BYTES}"
            f" (default {AUDIT_LOG_MAX_BYTES_DEFAULT})"
        )
    return max_bytes


def check_audit_retention(retention: int) -> int:
    if not 1 <= retention <= AUDIT_LOG_MAX_RETENTION:
        raise ValueError(
            f"AUDIT_LOG_RETENTION={retention} is out of range; accepted: 1..{AUDIT_LOG_MAX_RETENTION}"
            f" rotated files (default {AUDIT_LOG_RETENTION_DEFAULT})"
        )
    return retention


def validate_audit_limits(max_bytes: int, retention: int) -> None:
    """Shared by the settings and :class:`tradingbot.ops.audit.AuditLog`; raises ValueError."""
    check_audit_max_bytes(max_bytes)
    check_audit_retention(retention)
