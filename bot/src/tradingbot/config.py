"""The one settings object of the bot process.

Environment names (contracts §5): the seed's exact names ``AUDIT_LOG_MAX_BYTES`` and ``AUDIT_LOG_RETENTION``;
everything else ``TRADINGBOT_<NAME>``, nested models with ``__`` (``TRADINGBOT_RISK__MAX_DRAWDOWN``).

Secrets (``gmo_api_key``, ``gmo_api_secret``, ``discord_webhook_url``) come from
``<TRADINGBOT_SECRETS_DIR>/<name>`` first, then from ``GMO_API_KEY`` / ``GMO_API_SECRET`` /
``DISCORD_WEBHOOK_URL``. Their values are :class:`SecretStr`; only where each came from
(``file|env|absent``) is ever shown.

Only :func:`load_settings` looks at the process environment, and only when no mapping is passed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from tradingbot import bounds
from tradingbot.layout import DEFAULT_VAR_DIR, VarLayout
from tradingbot.risk.matrix import RiskLimits
from tradingbot.risk.price_guard import PriceGuardSettings
from tradingbot.secretfile import SecretFileError, read_secret_file
from tradingbot.settings_parts import (
    AUDIT_LOG_MAX_BYTES_DEFAULT,
    AUDIT_LOG_RETENTION_DEFAULT,
    Mode,
    RateSettings,
    SecretSource,
    SecretSources,
    StrategySettings,
    check_audit_max_bytes,
    check_audit_retention,
    validate_audit_limits,
)

# The parts live in settings_parts; importers keep using this module, the one settings entry point.
__all__ = [
    "ENV_PREFIX",
    "SECRET_ENV",
    "SECRET_NAMES",
    "ConfigError",
    "Mode",
    "RateSettings",
    "SecretSource",
    "SecretSources",
    "Settings",
    "StrategySettings",
    "describe",
    "load_settings",
    "validate_audit_limits",
]

ENV_PREFIX = "TRADINGBOT_"
SECRET_NAMES: tuple[str, ...] = ("gmo_api_key", "gmo_api_secret", "discord_webhook_url")
SECRET_ENV: Mapping[str, str] = {
    "gmo_api_key": "GMO_API_KEY",
    "gmo_api_secret": "GMO_API_SECRET",
    "discord_webhook_url": "DISCORD_WEBHOOK_URL",
}
_SYMBOL_RE = re.compile(r"^[A-Z0-9]{2,10}_JPY$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """Invalid or incomplete configuration; the message lists every problem and never a secret value."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class Settings(BaseSettings):
    """Effective settings. Build it with :func:`load_settings`; ``Settings()`` alone is the defaults."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        case_sensitive=False,
        populate_by_name=True,
    )

    mode: Mode = Mode.PAPER
    live_enabled: bool = False
    symbol: str = "BTC_JPY"
    var_dir: Path = DEFAULT_VAR_DIR
    secrets_dir: Path = Path("/run/secrets")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=9754, ge=1, le=65535)
    sim_url: str = ""
    sim_seed: int = Field(default=42, ge=0)
    # Paper mode's prices: "sim" (the embedded simulator's random walk) or "live" (GMO's public WebSocket
    # feeding the embedded simulator's matching engine; no key needed). See docs/operations.md.
    paper_prices: Literal["sim", "live"] = "sim"
    paper_public_ws_url: str = "wss://api.coin.z.com/ws/public/v1"
    paper_public_rest_url: str = "https://api.coin.z.com/public"
    cancel_on_stop: bool = True
    flatten_on_abort: bool = True
    adopt_exchange_state: bool = False
    daily_reset_tz: str = "Asia/Tokyo"
    log_level: str = "INFO"
    # Seconds between the readable status lines (position, P&L, equity, risk); 0 switches them off.
    status_line_every: float = Field(default=60.0, ge=0, le=86400)
    # auto: readable lines on a terminal, JSON otherwise (ops/logging.py).
    log_format: Literal["auto", "json", "text"] = "auto"
    risk: RiskLimits = RiskLimits()
    strategy: StrategySettings = StrategySettings()
    rate: RateSettings = RateSettings()
    price_guard: PriceGuardSettings = PriceGuardSettings()
    audit_log_max_bytes: int = Field(
        default=AUDIT_LOG_MAX_BYTES_DEFAULT, validation_alias="AUDIT_LOG_MAX_BYTES"
    )
    audit_log_retention: int = Field(
        default=AUDIT_LOG_RETENTION_DEFAULT, validation_alias="AUDIT_LOG_RETENTION"
    )

    # Filled by load_settings from the secret files / environment, never from TRADINGBOT_* names.
    gmo_api_key: SecretStr | None = None
    gmo_api_secret: SecretStr | None = None
    discord_webhook_url: SecretStr | None = None
    secret_sources: SecretSources = SecretSources()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment is read by load_settings from an explicit mapping, never implicitly here.
        return (init_settings,)

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("symbol")
    @classmethod
    def _symbol_shape(cls, value: str) -> str:
        if not _SYMBOL_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a leverage symbol; accepted: upper-case like BTC_JPY or ETH_JPY"
            )
        return value

    @field_validator("http_host")
    @classmethod
    def _host_nonempty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty; accepted: an address such as 127.0.0.1 or 0.0.0.0")
        return value.strip()

    @field_validator("sim_url")
    @classmethod
    def _sim_url_shape(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"https?://[^\s/]+(:\d+)?/?", value):
            raise ValueError(
                f"{value!r} is not a base URL; accepted: empty (embedded simulator) or like http://127.0.0.1:8080"
            )
        return value.rstrip("/")

    @field_validator("paper_prices", mode="before")
    @classmethod
    def _paper_prices_known(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in ("sim", "live"):
                raise ValueError(f"{value!r} is not a paper price source; accepted: sim|live")
            return lowered
        return value

    @field_validator("paper_public_ws_url")
    @classmethod
    def _paper_ws_shape(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"wss?://[^\s/]+(/\S*)?", value):
            raise ValueError(
                f"{value!r} is not a WebSocket URL; accepted: like wss://api.coin.z.com/ws/public/v1"
            )
        return value.rstrip("/")

    @field_validator("paper_public_rest_url")
    @classmethod
    def _paper_rest_shape(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(
                f"{value!r} is not a REST base URL; accepted: like https://api.coin.z.com/public"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _paper_prices_checks(self) -> Settings:
        if self.mode is Mode.PAPER and self.paper_prices == "live" and self.sim_url:
            raise ValueError(
                "TRADINGBOT_PAPER_PRICES=live trades on the embedded paper exchange fed by live prices; "
                f"it cannot be combined with TRADINGBOT_SIM_URL={self.sim_url!r} (unset one of them)"
            )
        return self

    @field_validator("daily_reset_tz")
    @classmethod
    def _tz_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"{value!r} is not a known IANA timezone; accepted: e.g. Asia/Tokyo or UTC"
            ) from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_known(cls, value: Any) -> Any:
        if isinstance(value, str):
            upper = value.strip().upper()
            if upper not in _LOG_LEVELS:
                raise ValueError(f"{value!r} is not a log level; accepted: {'|'.join(_LOG_LEVELS)}")
            return upper
        return value

    @field_validator("risk", mode="wrap")
    @classmethod
    def _risk_bounds(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> RiskLimits:
        # Bounds by meaning (a drawdown of 5 = 500 % would never abort); the model only says "positive".
        limits: RiskLimits = handler(value)
        raw = value if isinstance(value, Mapping) else {}
        problems = [
            p
            for f in bounds.RISK_RANGES
            if (p := bounds.risk_problem(f, getattr(limits, f), raw.get(f))) is not None
        ]
        if problems:
            raise ValueError("\n".join(problems))  # _problems reports each line on its own
        return limits

    @field_validator("audit_log_max_bytes")
    @classmethod
    def _audit_bytes(cls, value: int) -> int:
        return check_audit_max_bytes(value)

    @field_validator("audit_log_retention")
    @classmethod
    def _audit_retention(cls, value: int) -> int:
        return check_audit_retention(value)

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        problems: list[str] = []
        size_problem = bounds.static_order_size_problem(self.symbol, self.strategy.order_size)
        if size_problem is not None:
            problems.append(size_problem)
        if self.mode is Mode.LIVE:
            missing: list[str] = []
            if not self.live_enabled:
                missing.append("TRADINGBOT_LIVE_ENABLED=true (the explicit opt-in to real money)")
            for name in ("gmo_api_key", "gmo_api_secret"):
                if getattr(self, name) is None:
                    missing.append(
                        f"the {name} secret (file {self.secrets_dir / name} or env {SECRET_ENV[name]})"
                    )
            if missing:
                problems.append("live mode refused; missing: " + "; ".join(missing))
        if problems:
            raise ValueError("\n".join(problems))  # _problems reports each line on its own
        return self

    @property
    def daily_reset_zone(self) -> ZoneInfo:
        return ZoneInfo(self.daily_reset_tz)

    @property
    def layout(self) -> VarLayout:
        return VarLayout(self.var_dir)

    @property
    def artifacts_dir(self) -> Path:
        return self.layout.artifacts

    @property
    def logs_dir(self) -> Path:
        return self.layout.logs

    @property
    def audit_log_path(self) -> Path:
        return self.layout.audit_log

    @property
    def ws_token_path(self) -> Path:
        """The private stream's kept WS access token (a credential: mode 0600, never logged)."""
        return self.var_dir / "state" / "ws_token.json"

    def secret_values(self) -> tuple[str, ...]:
        """Raw secret values, for registering with the log redactor; never print these."""
        values = (self.gmo_api_key, self.gmo_api_secret, self.discord_webhook_url)
        return tuple(v.get_secret_value() for v in values if v is not None)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' env parsing (prefix, ``__`` nesting, JSON values) over an explicit mapping."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._mapping = {k: v for k, v in env.items() if k.startswith(ENV_PREFIX) or k in _PLAIN_ENV}
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._mapping, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


_PLAIN_ENV = frozenset({"AUDIT_LOG_MAX_BYTES", "AUDIT_LOG_RETENTION"})
_ENV_NAME_OF_FIELD: Mapping[str, str] = {
    "audit_log_max_bytes": "AUDIT_LOG_MAX_BYTES",
    "audit_log_retention": "AUDIT_LOG_RETENTION",
    **{name: SECRET_ENV[name] for name in SECRET_NAMES},
}
_SECRET_FIELDS = frozenset({*SECRET_NAMES, *SECRET_ENV.values()})


def _env_name_for(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _ENV_NAME_OF_FIELD:
        return _ENV_NAME_OF_FIELD[parts[0]]
    if parts and parts[0] in _PLAIN_ENV | set(SECRET_ENV.values()):
        return parts[0]
    if not parts:
        return "settings"
    return ENV_PREFIX + "__".join(p.upper() for p in parts)


def _problems(exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        msg = str(err.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        if "\n" in msg:  # several problems from one validator, each already naming its variable
            problems.extend(msg.split("\n"))
            continue
        if not loc:
            problems.append(msg)
            continue
        name = _env_name_for(loc)
        if str(loc[0]) in _SECRET_FIELDS:
            problems.append(f"{name}: {msg}")
            continue
        shown = err.get("input")
        if len(loc) == 2 and loc[0] == "risk" and str(loc[1]) in bounds.RISK_RANGES and "accepted" not in msg:
            msg = f"{msg}; {bounds.accepted_risk(str(loc[1]))}"
        if msg.startswith(name):
            problems.append(msg)
        elif isinstance(shown, (str, int, float, Decimal)) and not isinstance(shown, bool):
            problems.append(f"{name}={shown!s}: {msg}")
        else:
            problems.append(f"{name}: {msg}")
    return problems


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment) plus the secret files.

    Raises :class:`ConfigError` listing every problem; messages name the setting, the bad value (never a
    secret) and what is accepted.
    """
    source_env: Mapping[str, str] = os.environ if env is None else env
    try:
        values: dict[str, Any] = dict(_MappingEnvSource(Settings, source_env)())
    except Exception as exc:  # pydantic-settings raises SettingsError for undecodable complex values
        raise ConfigError([f"cannot parse the environment: {exc}"]) from None

    secrets_dir = Path(source_env.get(f"{ENV_PREFIX}SECRETS_DIR") or "/run/secrets")
    sources: dict[str, SecretSource] = {}
    file_problems: list[str] = []
    for name in SECRET_NAMES:
        try:
            from_file = read_secret_file(secrets_dir / name)
        except SecretFileError as exc:
            file_problems.append(str(exc))
            continue
        from_env = source_env.get(SECRET_ENV[name], "")
        if from_file is not None:
            values[name], sources[name] = SecretStr(from_file), SecretSource.FILE
        elif from_env.strip():
            values[name], sources[name] = SecretStr(from_env.strip()), SecretSource.ENV
        else:
            values[name], sources[name] = None, SecretSource.ABSENT
    if file_problems:
        raise ConfigError(file_problems)
    values["secret_sources"] = SecretSources(**sources)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_problems(exc)) from None


def describe(settings: Settings) -> dict[str, Any]:
    """Effective settings for ``check-config`` and logs: secrets only as present/absent + source."""
    data = settings.model_dump(mode="json", exclude={*SECRET_NAMES, "secret_sources"})
    data["secrets"] = {
        name: {
            "present": getattr(settings, name) is not None,
            "source": getattr(settings.secret_sources, name).value,
        }
        for name in SECRET_NAMES
    }
    return data
