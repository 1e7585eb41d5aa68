"""The operator's one settings object (environment names TRADINGBOT_OPERATOR_*).

Errors name the environment variable (never the Python field), the value given and what is accepted,
so `python -m tradingbot_operator` can print them as one line each and exit 2 instead of a traceback.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradingbot_operator.spec import PROBE_TIMEOUT_MAX_SECONDS

PREFIX = "TRADINGBOT_OPERATOR_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """Bad operator settings: one line per problem, each naming the environment variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class OperatorSettings(BaseModel):
    # Plain pydantic (the runtime lock has no pydantic-settings); from_env() is the only env reader.
    # Each description is the --help text of its variable.
    model_config = ConfigDict(frozen=True, extra="forbid")

    # The default goes to the pod directly so a probe judges exactly the new revision.
    health_url_template: str = Field(
        default="http://{pod_ip}:{port}/healthz",
        min_length=1,
        description="URL the health gate probes; fields {pod_ip}, {namespace}, {name}, {pod}, {service},"
        " {port}, {revision}",
    )
    probe_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=PROBE_TIMEOUT_MAX_SECONDS,
        description=f"timeout of one health probe, seconds (0 < x <= {PROBE_TIMEOUT_MAX_SECONDS:g}; the"
        " CRD's health gate rule assumes at most this)",
    )
    metrics_port: int = Field(
        default=8000, ge=0, le=65535, description="Prometheus metrics port (0 disables the metrics server)"
    )
    metrics_host: str = Field(
        default="0.0.0.0",  # noqa: S104 - scraped from outside the pod
        description="address the metrics server listens on",
    )
    liveness_endpoint: str = Field(
        default="http://0.0.0.0:8080/healthz",
        description="kopf's liveness endpoint (the pod's livenessProbe)",
    )
    namespaces: str = Field(
        default="",
        description="comma-separated namespaces to watch; empty watches all (needs the ClusterRole)",
    )
    resync_seconds: float = Field(
        default=60.0,
        gt=0,
        le=86400,
        description="longest sleep of a bot's reconcile loop, seconds (spec and Secret changes wake it"
        " earlier)",
    )
    failed_revisions_limit: int = Field(
        default=10, ge=1, le=1000, description="failed revisions remembered in a TradingBot's status"
    )
    log_level: str = Field(default="INFO", description=f"log level: {', '.join(LOG_LEVELS)}")
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="log lines: auto (readable on a terminal, JSON otherwise), json or text",
    )
    prometheus_url: str = Field(
        default="",
        description="Prometheus base URL for the optional gate analysis (analysis.py); empty: off",
    )
    analysis_query: str = Field(
        default="",
        description="PromQL query that must hold (empty or zero) during every gate; a bot's"
        " tradingbot.dev/analysis-query annotation overrides it",
    )
    cluster_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="how long to wait at start for the Kubernetes API server before exiting with an error",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"accepted: {', '.join(LOG_LEVELS)}")
        return level

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OperatorSettings:
        """Read TRADINGBOT_OPERATOR_<FIELD>; raise SettingsError naming each bad or unknown variable."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in env.items() if k.startswith(PREFIX)}
        known = {variable(name): name for name in cls.model_fields}
        problems = [_unknown(name, list(known)) for name in sorted(given) if name not in known]
        values = {known[k]: v for k, v in given.items() if k in known}
        try:
            settings = cls.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                name = variable(str(err["loc"][0])) if err["loc"] else PREFIX + "*"
                problems.append(f"{name}={given.get(name, '')!r}: {_reason(err)}")
        if problems:
            raise SettingsError(problems)
        return settings

    def namespace_list(self) -> list[str]:
        return [n.strip() for n in self.namespaces.split(",") if n.strip()]


def variable(field: str) -> str:
    return PREFIX + field.upper()


def _unknown(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{name} is not a setting of the operator (see --help){hint}"


def _reason(err: Any) -> str:
    reason = str(err["msg"]).removeprefix("Value error, ")
    field = OperatorSettings.model_fields.get(str(err["loc"][0])) if err["loc"] else None
    if field is None or "accepted" in reason:
        return reason
    kinds: dict[object, str] = {float: "a number", int: "a whole number", str: "text"}
    kind = kinds.get(field.annotation, "a value")
    bounds = [
        f"{symbol} {getattr(m, attr)}"
        for m in field.metadata
        for attr, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
        if hasattr(m, attr)
    ]
    return f"{reason}; accepted: {kind}{' ' + ' and '.join(bounds) if bounds else ''}"


def help_text() -> str:
    """Every variable with its default and meaning (`python -m tradingbot_operator --help`)."""
    lines = [
        "usage: python -m tradingbot_operator [--help]",
        "",
        "Runs the TradingBot operator (kopf). It finds the cluster like kubectl: the in-cluster service",
        "account, else KUBECONFIG or ~/.kube/config. Settings are environment variables:",
        "",
    ]
    for name, field in OperatorSettings.model_fields.items():
        lines.append(f"  {variable(name)}")
        lines.append(f"      {field.description} (default: {field.default!r})")
    lines += [
        "",
        "Exit status: 0 after a clean stop; 1 when no Kubernetes API server is reachable within",
        f"{variable('cluster_wait_seconds')}; 2 for bad settings or arguments.",
    ]
    return "\n".join(lines)
