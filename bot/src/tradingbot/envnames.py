"""Every environment variable the project reads, and the refusal of names it does not know.

A misspelt name (``TRADINGBOT_RISK_MAX_DRAWDOWN`` with one underscore) used to be ignored silently, so the
default stayed and ``check-config`` said OK. The known list is derived from the settings models (the bot's
:class:`~tradingbot.config.Settings`, the toolkit's :class:`~tradingbot.toolkit.settings.ToolkitEnv`) plus
the few names only the shell scripts and Compose read. Refused are:

- any ``TRADINGBOT_*`` name that is not known (the operator's ``TRADINGBOT_OPERATOR_*`` belong to it, and
  the Service links Kubernetes injects into every pod, ``<SERVICE>_SERVICE_HOST`` etc., are not settings);
- an unprefixed name of one of the seed's families (``AUDIT_LOG_*``, ``SOAK_*``, ``SMOKE_*``, ...) or one
  that is nearly a known seed name (``GMO_API_KYE``), since other programs' variables share the shell.

Each refusal suggests the closest known name (difflib). Values are never shown: a misspelt secret name
would otherwise print the secret.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from tradingbot.config import ENV_PREFIX, SECRET_ENV, SECRET_NAMES, Settings
from tradingbot.toolkit.settings import ToolkitEnv

# Read by the shell scripts, Compose files and image builds, not by a settings model (name: where).
SCRIPT_NAMES: Mapping[str, str] = {
    "TRADINGBOT_UID": "docker-compose.yml (user of the containers)",
    "TRADINGBOT_GID": "docker-compose.yml (group of the containers)",
    "TRADINGBOT_IMAGE": "docker-compose.yml (image name)",
    "TRADINGBOT_WHEELS_URL": "docker-compose.offline.yml, scripts/e2e_compose.sh",
    "TRADINGBOT_DEBIAN_MIRROR": "scripts/build_base_image.sh",
    "TRADINGBOT_BASE_IMAGE": "scripts/build_base_image.sh",
    "TRADINGBOT_BUILD_IMAGE": "scripts/build_base_image.sh",
    "TRADINGBOT_BASE_CACHE": "scripts/build_base_image.sh",
    "TRADINGBOT_BASE_REBUILD": "scripts/build_base_image.sh",
    "TRADINGBOT_DOCKER_DIR": "scripts/docker_engine.sh",
    "TRADINGBOT_DOCKER_START_TIMEOUT": "scripts/docker_engine.sh",
    "TRADINGBOT_DOCKER_STORAGE_DRIVER": "scripts/docker_engine.sh",
    "TRADINGBOT_SKIP_E2E_COMPOSE": ".ci/run",
}
FOREIGN_PREFIXES = ("TRADINGBOT_OPERATOR_",)  # the operator's settings (its own process validates them)
SEED_FAMILIES = (
    "AUDIT_LOG_",
    "SMOKE_",
    "SOAK_",
    "GO_LIVE_SOAK_",
    "LIVE_DRILL_",
    "RELEASE_CHECK_",
    "GO_NOGO_",
    "GMO_API_",
    "DISCORD_WEBHOOK",
)
# Kubernetes injects these for every Service of the namespace (enableServiceLinks), e.g. a Service
# "tradingbot-metrics" gives TRADINGBOT_METRICS_SERVICE_HOST and TRADINGBOT_METRICS_PORT_9754_TCP_ADDR.
_SERVICE_LINK = re.compile(
    r"^[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$"
)
_SERVICE_LINK_URL = re.compile(r"^(tcp|udp|sctp)://")  # the value of the bare <SERVICE>_PORT
_INTERNAL_FIELDS = frozenset({*SECRET_NAMES, "secret_sources"})  # filled by load_settings, never from env
_NEAR_SEED_NAME = 0.85  # similarity above which an unprefixed name is taken for a misspelt seed name


def _model_of(annotation: Any) -> type[BaseModel] | None:
    return annotation if inspect.isclass(annotation) and issubclass(annotation, BaseModel) else None


def bot_settings() -> Iterator[tuple[str, tuple[str, ...]]]:
    """(environment name, field path) of every setting of the bot, nested leaves included."""
    for name, info in Settings.model_fields.items():
        if name in _INTERNAL_FIELDS:
            continue
        if isinstance(info.validation_alias, str):
            yield info.validation_alias, (name,)
            continue
        env = ENV_PREFIX + name.upper()
        nested = _model_of(info.annotation)
        if nested is None:
            yield env, (name,)
            continue
        for sub in nested.model_fields:
            yield f"{env}__{sub.upper()}", (name, sub)


def _containers() -> frozenset[str]:
    """``TRADINGBOT_RISK`` etc.: a nested model may also be given whole, as JSON."""
    return frozenset(
        ENV_PREFIX + name.upper()
        for name, info in Settings.model_fields.items()
        if name not in _INTERNAL_FIELDS and _model_of(info.annotation) is not None
    )


BOT_NAMES: frozenset[str] = frozenset(env for env, _ in bot_settings()) | _containers()
SECRET_ENV_NAMES: frozenset[str] = frozenset(SECRET_ENV.values())
TOOLKIT_NAMES: frozenset[str] = frozenset(ToolkitEnv.env_names())
KNOWN: frozenset[str] = BOT_NAMES | SECRET_ENV_NAMES | TOOLKIT_NAMES | frozenset(SCRIPT_NAMES)
_KNOWN_PREFIXED = sorted(n for n in KNOWN if n.startswith(ENV_PREFIX))
_KNOWN_PLAIN = sorted(n for n in KNOWN if not n.startswith(ENV_PREFIX))


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name.upper(), candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else f"; known names start like {candidates[0]}"


def _is_foreign(upper: str, value: str) -> bool:
    if upper.startswith(FOREIGN_PREFIXES) or _SERVICE_LINK.match(upper):
        return True
    return upper.endswith("_PORT") and bool(_SERVICE_LINK_URL.match(value))


def unknown_problems(env: Mapping[str, str]) -> list[str]:
    """One line per unknown or misspelt name, sorted; empty when every relevant name is known."""
    problems: list[str] = []
    for name in sorted(env):
        if name in KNOWN:
            continue
        upper = name.upper()
        if upper.startswith(ENV_PREFIX):
            if _is_foreign(upper, env[name]):
                continue
            if upper in KNOWN:
                problems.append(f"{name} is not read (names are upper-case); did you mean {upper}?")
                continue
            problems.append(f"{name} is not a known setting{_suggest(upper, _KNOWN_PREFIXED)}")
            continue
        near = difflib.get_close_matches(upper, _KNOWN_PLAIN, n=1, cutoff=_NEAR_SEED_NAME)
        if upper.startswith(SEED_FAMILIES) or near:
            problems.append(f"{name} is not a known setting{_suggest(upper, _KNOWN_PLAIN)}")
    return problems


def effective(settings: Settings, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Each bot setting by its environment name: its effective value and where it came from.

    ``env`` when the name (or its nested model as JSON) is set, otherwise ``default``; the secrets show only
    ``file|env|absent`` and never a value.
    """
    dumped = settings.model_dump(mode="json", exclude=set(_INTERNAL_FIELDS))
    out: dict[str, dict[str, Any]] = {}
    for name, path in bot_settings():
        value: Any = dumped
        for part in path:
            value = value[part]
        container = ENV_PREFIX + path[0].upper()
        given = name in env or (len(path) > 1 and container in env)
        out[name] = {"value": value, "source": "env" if given else "default"}
    for field, env_name in SECRET_ENV.items():
        source = getattr(settings.secret_sources, field).value
        out[env_name] = {"value": "<redacted>" if source != "absent" else None, "source": source}
    return out
