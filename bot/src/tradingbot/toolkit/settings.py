"""The one settings object of the toolkit program (the scripts), read from an explicit mapping.

The seed's names are kept exactly (``SMOKE_REPEAT_COUNT``, ``SOAK_TOTAL_ITERATIONS``, ...). The bot's own
names (``TRADINGBOT_HTTP_PORT``, ``TRADINGBOT_VAR_DIR``, ...) are read with the bot's defaults because the
scripts must look where the bot writes; the bot itself validates them in :mod:`tradingbot.config`.

Parsed by pydantic-settings like the bot's settings: :class:`ToolkitEnv` has one field per variable with
the variable's exact name as its alias. An empty value means the default, as in the seed's shell scripts.
Errors name the variable, the value and what is accepted; the entry point exits 2 on them.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from tradingbot.layout import DEFAULT_VAR_DIR, VarLayout

RUNTIMES = ("compose", "local")


class ToolkitConfigError(ValueError):
    """A toolkit variable has a value that cannot be used; the message names it and what is accepted."""


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _words(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return tuple(shlex.split(value))
    except ValueError as exc:
        raise ValueError(f"cannot be split into words ({exc}); quote it like a shell") from None


Argv = Annotated[
    tuple[str, ...] | None, BeforeValidator(_words), Field(description="words, quoted like a shell")
]
Count = Annotated[int, Field(ge=1, description="an integer >= 1")]
Percent = Annotated[int, Field(ge=0, le=100, description="an integer 0..100")]
Seconds = Annotated[float, Field(ge=0.0, allow_inf_nan=False, description="a number of seconds >= 0")]
Timeout = Annotated[float, Field(ge=1.0, allow_inf_nan=False, description="a number of seconds >= 1")]
Runtime = Annotated[
    Literal["compose", "local", "auto"] | None,
    BeforeValidator(_lower),
    Field(description="compose|local (unset/auto: detect)"),
]
ModeName = Annotated[Literal["paper", "live"], BeforeValidator(_lower), Field(description="paper|live")]


class ToolkitEnv(BaseSettings):
    """Every variable the toolkit reads, under its exact name (also the toolkit's part of the known list)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=False)

    runtime: Runtime = Field(default=None, validation_alias="TRADINGBOT_RUNTIME")
    http_port: int = Field(
        default=9754, ge=1, le=65535, validation_alias="TRADINGBOT_HTTP_PORT", description="1..65535"
    )
    ops_url: str = Field(
        default="", validation_alias="TRADINGBOT_OPS_URL", description="a URL like http://127.0.0.1:9754"
    )
    mode: ModeName = Field(default="paper", validation_alias="TRADINGBOT_MODE")
    var_dir: Path = Field(default=DEFAULT_VAR_DIR, validation_alias="TRADINGBOT_VAR_DIR")
    secrets_dir: Path | None = Field(default=None, validation_alias="TRADINGBOT_SECRETS_DIR")
    symbol: str = Field(default="BTC_JPY", validation_alias="TRADINGBOT_SYMBOL")
    sim_url: str = Field(default="", validation_alias="TRADINGBOT_SIM_URL")
    autostart: bool = Field(
        default=True, validation_alias="TRADINGBOT_AUTOSTART", description="1|0|true|false"
    )
    start_timeout: Timeout = Field(default=60.0, validation_alias="TRADINGBOT_START_TIMEOUT_SECONDS")
    stop_timeout: Timeout = Field(default=30.0, validation_alias="TRADINGBOT_STOP_TIMEOUT_SECONDS")
    local_bot_cmd: Argv = Field(default=None, validation_alias="TRADINGBOT_LOCAL_BOT_CMD")
    compose_cmd: Argv = Field(default=None, validation_alias="TRADINGBOT_COMPOSE_CMD")
    smoke_repeat_count: Count | None = Field(
        default=None, validation_alias="SMOKE_REPEAT_COUNT", description="an integer >= 1"
    )
    smoke_interval: Seconds = Field(default=1.0, validation_alias="SMOKE_INTERVAL_SECONDS")
    artifact_max_age: Timeout = Field(default=120.0, validation_alias="SMOKE_MAX_ARTIFACT_AGE_SECONDS")
    soak_total_iterations: Count = Field(default=288, validation_alias="SOAK_TOTAL_ITERATIONS")
    soak_interval: Seconds = Field(default=300.0, validation_alias="SOAK_INTERVAL_SECONDS")
    go_live_soak_total_iterations: Count | None = Field(
        default=None, validation_alias="GO_LIVE_SOAK_TOTAL_ITERATIONS", description="an integer >= 1"
    )
    go_live_soak_interval: Seconds | None = Field(
        default=None, validation_alias="GO_LIVE_SOAK_INTERVAL_SECONDS", description="a number of seconds >= 0"
    )
    # The seed enables real connections only with exactly "1"; anything else keeps the drill non-destructive.
    live_drill_real_connect: str = Field(default="", validation_alias="LIVE_DRILL_REAL_CONNECT")
    release_precommit_cmd: Argv = Field(default=None, validation_alias="RELEASE_CHECK_PRECOMMIT_CMD")
    release_pytest_cmd: Argv = Field(default=None, validation_alias="RELEASE_CHECK_PYTEST")
    release_quick_args: Argv = Field(default=None, validation_alias="RELEASE_CHECK_QUICK_ARGS")
    release_failover_args: Argv = Field(default=None, validation_alias="RELEASE_CHECK_FAILOVER_ARGS")
    release_coverage_args: Argv = Field(default=None, validation_alias="RELEASE_CHECK_COVERAGE_ARGS")
    release_cov_fail_under: Percent = Field(default=75, validation_alias="RELEASE_CHECK_COV_FAIL_UNDER")
    replay_cmd: Argv = Field(default=None, validation_alias="GO_NOGO_REPLAY_CMD")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Read only from the mapping load_toolkit_settings passes, never implicitly from os.environ.
        return (init_settings,)

    @field_validator("ops_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("is not a URL")
        return value

    @field_validator("sim_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @classmethod
    def env_names(cls) -> tuple[str, ...]:
        return tuple(str(f.validation_alias) for f in cls.model_fields.values())


@dataclass(frozen=True)
class ToolkitSettings:
    repo_root: Path
    runtime: str | None = None  # None: auto-detect
    var_dir: Path = DEFAULT_VAR_DIR
    http_port: int = 9754
    ops_url: str = "http://127.0.0.1:9754"
    mode: str = "paper"
    secrets_dir: Path | None = None  # None: the bot's default (/run/secrets) or ./secrets under compose
    symbol: str = "BTC_JPY"
    sim_url: str = ""
    autostart: bool = True
    start_timeout: float = 60.0
    stop_timeout: float = 30.0
    local_bot_cmd: tuple[str, ...] | None = None
    compose_cmd: tuple[str, ...] = ("docker-compose",)
    smoke_repeat_count: int | None = None
    smoke_interval: float = 1.0
    artifact_max_age: float = 120.0
    soak_total_iterations: int = 288
    soak_interval: float = 300.0
    go_live_soak_total_iterations: int | None = None
    go_live_soak_interval: float | None = None
    live_drill_real_connect: bool = False
    release_precommit_cmd: tuple[str, ...] | None = None
    release_pytest_cmd: tuple[str, ...] | None = None  # the launcher; default: this Python's -m pytest
    release_quick_args: tuple[str, ...] | None = None
    release_failover_args: tuple[str, ...] | None = None
    release_coverage_args: tuple[str, ...] | None = None
    release_cov_fail_under: int = 75
    replay_cmd: tuple[str, ...] | None = None
    # The full environment the scripts run with; handed to the processes they start, never printed.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

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
    def healthz_url(self) -> str:
        return f"{self.ops_url}/healthz"

    @property
    def livez_url(self) -> str:
        return f"{self.ops_url}/livez"

    @property
    def metrics_url(self) -> str:
        return f"{self.ops_url}/metrics"


def _problems(exc: ValidationError, given: Mapping[str, str]) -> list[str]:
    described = {str(f.validation_alias): f.description for f in ToolkitEnv.model_fields.values()}
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        name = str(err["loc"][0]) if err.get("loc") else "settings"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        accepted = described.get(name)
        if accepted and "accepted" not in msg:
            msg = f"{msg}; accepted: {accepted}"
        problems.append(f"{name}={given.get(name, '')}: {msg}" if name in given else f"{name}: {msg}")
    return problems


def load_toolkit_settings(repo_root: Path, env: Mapping[str, str] | None = None) -> ToolkitSettings:
    """Settings from ``env`` (default: the process environment); raises :class:`ToolkitConfigError`."""
    source: Mapping[str, str] = os.environ if env is None else env
    given: dict[str, Any] = {
        name: source[name].strip() for name in ToolkitEnv.env_names() if source.get(name, "").strip()
    }
    try:
        parsed = ToolkitEnv(**given)
    except ValidationError as exc:
        raise ToolkitConfigError("; ".join(_problems(exc, given))) from None
    port = parsed.http_port
    var_dir = parsed.var_dir
    return ToolkitSettings(
        repo_root=repo_root,
        runtime=None if parsed.runtime in (None, "auto") else parsed.runtime,
        var_dir=var_dir if var_dir.is_absolute() else repo_root / var_dir,
        http_port=port,
        ops_url=parsed.ops_url or f"http://127.0.0.1:{port}",
        mode=parsed.mode,
        secrets_dir=parsed.secrets_dir,
        symbol=parsed.symbol,
        sim_url=parsed.sim_url,
        autostart=parsed.autostart,
        start_timeout=parsed.start_timeout,
        stop_timeout=parsed.stop_timeout,
        local_bot_cmd=parsed.local_bot_cmd or None,
        compose_cmd=parsed.compose_cmd or ("docker-compose",),
        smoke_repeat_count=parsed.smoke_repeat_count,
        smoke_interval=parsed.smoke_interval,
        artifact_max_age=parsed.artifact_max_age,
        soak_total_iterations=parsed.soak_total_iterations,
        soak_interval=parsed.soak_interval,
        go_live_soak_total_iterations=parsed.go_live_soak_total_iterations,
        go_live_soak_interval=parsed.go_live_soak_interval,
        live_drill_real_connect=parsed.live_drill_real_connect == "1",
        release_precommit_cmd=parsed.release_precommit_cmd or None,
        release_pytest_cmd=parsed.release_pytest_cmd or None,
        release_quick_args=parsed.release_quick_args,
        release_failover_args=parsed.release_failover_args,
        release_coverage_args=parsed.release_coverage_args,
        release_cov_fail_under=parsed.release_cov_fail_under,
        replay_cmd=parsed.replay_cmd or None,
        environ=dict(source),
    )
