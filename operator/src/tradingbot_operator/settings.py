"""The operator's one settings object (environment names TRADINGBOT_OPERATOR_*)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from tradingbot_operator.spec import PROBE_TIMEOUT_MAX_SECONDS

PREFIX = "TRADINGBOT_OPERATOR_"


class OperatorSettings(BaseModel):
    # Plain pydantic (the runtime lock has no pydantic-settings); from_env() is the only env reader.
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Where the gate probes the bot. Fields: {pod_ip}, {namespace}, {name}, {pod}, {service}, {port},
    # {revision}. The default goes to the pod directly so a probe judges exactly the new revision.
    health_url_template: str = "http://{pod_ip}:{port}/healthz"
    probe_timeout_seconds: float = Field(default=2.0, gt=0, le=PROBE_TIMEOUT_MAX_SECONDS)
    metrics_port: int = Field(default=8000, ge=0, le=65535, description="0 disables the metrics server")
    metrics_host: str = "0.0.0.0"  # noqa: S104 - scraped from outside the pod
    liveness_endpoint: str = "http://0.0.0.0:8080/healthz"
    # Namespaces to watch; empty means cluster-wide (needs ClusterRole instead of Role).
    namespaces: str = ""
    # Upper bound of a reconcile loop's sleep; secret and spec changes wake it earlier.
    resync_seconds: float = Field(default=60.0, gt=0)
    failed_revisions_limit: int = Field(default=10, ge=1)
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OperatorSettings:
        """Read TRADINGBOT_OPERATOR_<FIELD>; an unknown name is an error naming it."""
        env = os.environ if environ is None else environ
        values = {k[len(PREFIX) :].lower(): v for k, v in env.items() if k.startswith(PREFIX)}
        return cls.model_validate(values)

    def namespace_list(self) -> list[str]:
        return [n.strip() for n in self.namespaces.split(",") if n.strip()]
