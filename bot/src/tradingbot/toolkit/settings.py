"""The one settings object of the toolkit program (the scripts), read from an explicit mapping.

The seed's names are kept exactly (``SMOKE_REPEAT_COUNT``, ``SOAK_TOTAL_ITERATIONS``, ...). The bot's own
names (``TRADINGBOT_HTTP_PORT``, ``TRADINGBOT_VAR_DIR``, ...) are read with the bot's defaults because the
scripts must look where the bot writes; the bot itself validates them in :mod:`tradingbot.config`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

RUNTIMES = ("compose", "local")


class ToolkitConfigError(ValueError):
    """A toolkit variable has a value that cannot be used; the message names it and what is accepted."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ToolkitConfigError(
            f"{name}={raw!r} is not an integer; accepted: an integer >= {minimum}"
        ) from None
    if value < minimum:
        raise ToolkitConfigError(f"{name}={value} is too small; accepted: an integer >= {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ToolkitConfigError(f"{name}={raw!r} is not a number; accepted: a number >= {minimum}") from None
    if not value >= minimum:
        raise ToolkitConfigError(f"{name}={value} is too small; accepted: a number >= {minimum}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ToolkitConfigError(f"{name}={raw!r} is not a boolean; accepted: 1|0|true|false")


def _argv(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return tuple(shlex.split(raw))
    except ValueError as exc:
        raise ToolkitConfigError(
            f"{name} cannot be split into words ({exc}); quote it like a shell"
        ) from None


@dataclass(frozen=True)
class ToolkitSettings:
    repo_root: Path
    runtime: str | None = None  # None: auto-detect
    var_dir: Path = Path("var")
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
    def artifacts_dir(self) -> Path:
        return self.var_dir / "artifacts"

    @property
    def logs_dir(self) -> Path:
        return self.var_dir / "logs"

    @property
    def healthz_url(self) -> str:
        return f"{self.ops_url}/healthz"

    @property
    def livez_url(self) -> str:
        return f"{self.ops_url}/livez"

    @property
    def metrics_url(self) -> str:
        return f"{self.ops_url}/metrics"


def load_toolkit_settings(repo_root: Path, env: Mapping[str, str] | None = None) -> ToolkitSettings:
    """Settings from ``env`` (default: the process environment); raises :class:`ToolkitConfigError`."""
    source: Mapping[str, str] = os.environ if env is None else env
    runtime = source.get("TRADINGBOT_RUNTIME", "").strip().lower() or None
    if runtime not in (None, "auto", *RUNTIMES):
        raise ToolkitConfigError(
            f"TRADINGBOT_RUNTIME={runtime!r} is not a runtime; accepted: compose|local (unset/auto: detect)"
        )
    if runtime == "auto":
        runtime = None
    port = _int(source, "TRADINGBOT_HTTP_PORT", 9754, 1)
    if port > 65535:
        raise ToolkitConfigError(f"TRADINGBOT_HTTP_PORT={port} is not a port; accepted: 1..65535")
    ops_url = source.get("TRADINGBOT_OPS_URL", "").strip().rstrip("/") or f"http://127.0.0.1:{port}"
    if not ops_url.startswith(("http://", "https://")):
        raise ToolkitConfigError(
            f"TRADINGBOT_OPS_URL={ops_url!r} is not a URL; accepted: http://127.0.0.1:9754"
        )
    mode = source.get("TRADINGBOT_MODE", "").strip().lower() or "paper"
    if mode not in ("paper", "live"):
        raise ToolkitConfigError(f"TRADINGBOT_MODE={mode!r} is not a mode; accepted: paper|live")
    var_dir = Path(source.get("TRADINGBOT_VAR_DIR", "").strip() or "var")
    secrets = source.get("TRADINGBOT_SECRETS_DIR", "").strip()
    go_live_iterations = source.get("GO_LIVE_SOAK_TOTAL_ITERATIONS", "").strip()
    go_live_interval = source.get("GO_LIVE_SOAK_INTERVAL_SECONDS", "").strip()
    smoke_repeat = source.get("SMOKE_REPEAT_COUNT", "").strip()
    return ToolkitSettings(
        repo_root=repo_root,
        runtime=runtime,
        var_dir=var_dir if var_dir.is_absolute() else repo_root / var_dir,
        http_port=port,
        ops_url=ops_url,
        mode=mode,
        secrets_dir=Path(secrets) if secrets else None,
        symbol=source.get("TRADINGBOT_SYMBOL", "").strip() or "BTC_JPY",
        sim_url=source.get("TRADINGBOT_SIM_URL", "").strip().rstrip("/"),
        autostart=_bool(source, "TRADINGBOT_AUTOSTART", True),
        start_timeout=_float(source, "TRADINGBOT_START_TIMEOUT_SECONDS", 60.0, 1.0),
        stop_timeout=_float(source, "TRADINGBOT_STOP_TIMEOUT_SECONDS", 30.0, 1.0),
        local_bot_cmd=_argv(source, "TRADINGBOT_LOCAL_BOT_CMD"),
        compose_cmd=_argv(source, "TRADINGBOT_COMPOSE_CMD") or ("docker-compose",),
        smoke_repeat_count=_int(source, "SMOKE_REPEAT_COUNT", 1, 1) if smoke_repeat else None,
        smoke_interval=_float(source, "SMOKE_INTERVAL_SECONDS", 1.0, 0.0),
        artifact_max_age=_float(source, "SMOKE_MAX_ARTIFACT_AGE_SECONDS", 120.0, 1.0),
        soak_total_iterations=_int(source, "SOAK_TOTAL_ITERATIONS", 288, 1),
        soak_interval=_float(source, "SOAK_INTERVAL_SECONDS", 300.0, 0.0),
        go_live_soak_total_iterations=(
            _int(source, "GO_LIVE_SOAK_TOTAL_ITERATIONS", 288, 1) if go_live_iterations else None
        ),
        go_live_soak_interval=(
            _float(source, "GO_LIVE_SOAK_INTERVAL_SECONDS", 300.0, 0.0) if go_live_interval else None
        ),
        live_drill_real_connect=source.get("LIVE_DRILL_REAL_CONNECT", "").strip() == "1",
        release_precommit_cmd=_argv(source, "RELEASE_CHECK_PRECOMMIT_CMD"),
        release_pytest_cmd=_argv(source, "RELEASE_CHECK_PYTEST"),
        release_quick_args=_argv(source, "RELEASE_CHECK_QUICK_ARGS"),
        release_failover_args=_argv(source, "RELEASE_CHECK_FAILOVER_ARGS"),
        release_coverage_args=_argv(source, "RELEASE_CHECK_COVERAGE_ARGS"),
        release_cov_fail_under=_int(source, "RELEASE_CHECK_COV_FAIL_UNDER", 75, 0),
        replay_cmd=_argv(source, "GO_NOGO_REPLAY_CMD"),
        environ=dict(source),
    )
