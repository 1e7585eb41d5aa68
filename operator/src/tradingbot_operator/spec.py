"""The TradingBot custom resource as pydantic models: the one source of the CRD's OpenAPI schema.

Field names are camelCase because they are the Kubernetes API surface; descriptions become the
`kubectl explain` text. Money and sizes are Decimal in Python and `number` in the schema.
"""

# ruff: noqa: N815 - field names are the Kubernetes API's camelCase
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

GROUP = "tradingbot.dev"
VERSION = "v1alpha1"
KIND = "TradingBot"
PLURAL = "tradingbots"
SINGULAR = "tradingbot"
SHORT_NAMES = ("tb",)
SYMBOL_PATTERN = r"^[A-Z]{2,10}_[A-Z]{2,5}$"
SECRET_FILES = ("gmo_api_key", "gmo_api_secret", "discord_webhook_url")


# Decimal would render as anyOf[number, string]; the API server stores a plain number.
PositiveDecimal = Annotated[Decimal, Field(gt=0), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Mode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


class SecretKeyRef(_Model):
    """A key of a Secret in the TradingBot's namespace."""

    name: str = Field(
        min_length=1,
        max_length=253,
        pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
        description="Name of the Secret in the TradingBot's namespace.",
    )
    key: str = Field(
        min_length=1,
        max_length=253,
        pattern=r"^[-._a-zA-Z0-9]+$",
        description="Key inside the Secret's data whose value becomes the file.",
    )


class SecretRefs(_Model):
    """Secrets whose values are snapshotted and mounted as files under /run/secrets."""

    gmoApiKey: SecretKeyRef | None = Field(
        default=None, description="GMO API key, mounted as /run/secrets/gmo_api_key. Required for live."
    )
    gmoApiSecret: SecretKeyRef | None = Field(
        default=None, description="GMO API secret, mounted as /run/secrets/gmo_api_secret. Required for live."
    )
    discordWebhookUrl: SecretKeyRef | None = Field(
        default=None, description="Discord webhook URL, mounted as /run/secrets/discord_webhook_url."
    )

    def by_file(self) -> dict[str, SecretKeyRef]:
        """The references keyed by the file name the bot reads (contracts §5)."""
        refs = {
            "gmo_api_key": self.gmoApiKey,
            "gmo_api_secret": self.gmoApiSecret,
            "discord_webhook_url": self.discordWebhookUrl,
        }
        return {file: ref for file, ref in refs.items() if ref is not None}


class StrategySpec(_Model):
    """Strategy parameters passed to the bot as TRADINGBOT_STRATEGY__*."""

    name: Literal["ma_cross"] = Field(default="ma_cross", description="Strategy name.")
    fastWindow: int = Field(default=5, ge=1, le=10000, description="Fast moving-average window (ticks).")
    slowWindow: int = Field(default=20, ge=2, le=100000, description="Slow moving-average window (ticks).")
    orderSize: PositiveDecimal = Field(
        default=Decimal("0.01"), description="Order size in base units (e.g. BTC)."
    )


class RiskSpec(_Model):
    """The seed's risk limits, passed to the bot as TRADINGBOT_RISK__*."""

    maxDrawdown: PositiveDecimal = Field(
        default=Decimal("0.10"), description="Maximum drawdown as a ratio of peak equity, 0 < x < 1."
    )
    dailyLossLimit: PositiveDecimal = Field(default=Decimal("50000"), description="Daily loss limit in JPY.")
    maxPositionSize: PositiveDecimal = Field(
        default=Decimal("0.05"), description="Maximum position size in base units."
    )
    maxTradeLoss: PositiveDecimal = Field(
        default=Decimal("10000"), description="Maximum loss of one trade in JPY."
    )
    maxLeverage: PositiveDecimal = Field(default=Decimal("2"), description="Maximum leverage.")
    maxWalletDrift: PositiveDecimal = Field(
        default=Decimal("1000"), description="Maximum drift between ledger and exchange wallet in JPY."
    )


class HealthGate(_Model):
    """How a new revision is judged: the bot's /healthz polled after the rollout."""

    initialDelaySeconds: float = Field(
        default=10, ge=0, le=3600, description="Seconds after the rollout before the first probe."
    )
    periodSeconds: float = Field(default=10, gt=0, le=3600, description="Seconds between probes.")
    successThreshold: int = Field(
        default=3, ge=1, le=1000, description="Consecutive healthy probes that make the revision stable."
    )
    failureThreshold: int = Field(
        default=3, ge=1, le=1000, description="Consecutive unhealthy probes that fail the revision."
    )
    progressDeadlineSeconds: float = Field(
        default=600, gt=0, le=86400, description="Seconds after the rollout by which the gate must pass."
    )


class ResourceRequirements(_Model):
    """Container resources, as in a Pod's resources field."""

    requests: dict[str, str] = Field(default_factory=dict, description="Minimum resources, e.g. cpu: 100m.")
    limits: dict[str, str] = Field(default_factory=dict, description="Maximum resources, e.g. memory: 256Mi.")


class TradingBotSpec(_Model):
    """Desired state of one trading bot (one pod, one symbol)."""

    image: str = Field(min_length=1, max_length=512, description="Container image of the bot.")
    mode: Mode = Field(
        default=Mode.PAPER, description="paper (simulator) or live (real GMO, needs both API secrets)."
    )
    symbol: str = Field(
        default="BTC_JPY", pattern=SYMBOL_PATTERN, description="Leverage symbol, e.g. BTC_JPY. Immutable."
    )
    strategy: StrategySpec = Field(default_factory=StrategySpec, description="Strategy parameters.")
    risk: RiskSpec = Field(
        default_factory=RiskSpec, description="Risk limits (the seed's stop/degrade matrix)."
    )
    secrets: SecretRefs = Field(
        default_factory=SecretRefs, description="Secret references for the secret files."
    )
    healthGate: HealthGate = Field(
        default_factory=HealthGate, description="Health gate of each new revision."
    )
    revisionHistoryLimit: int = Field(
        default=5, ge=1, le=100, description="How many ControllerRevisions (and snapshots) to keep."
    )
    suspend: bool = Field(default=False, description="Stop reconciling the workload (it is left as it is).")
    storageSize: str = Field(
        default="1Gi", pattern=r"^[0-9]+(Ki|Mi|Gi|Ti)$", description="Size of the var/ volume. Immutable."
    )
    resources: ResourceRequirements = Field(
        default_factory=ResourceRequirements, description="Resources of the bot container."
    )


class Condition(_Model):
    """A metav1.Condition."""

    type: str = Field(description="Ready, Progressing, Degraded or SecretsReady.")
    status: Literal["True", "False", "Unknown"] = Field(description="True, False or Unknown.")
    reason: str = Field(description="CamelCase reason of the last change.")
    message: str = Field(default="", description="Human-readable details.")
    lastTransitionTime: str = Field(description="When status last changed (RFC 3339).")
    observedGeneration: int = Field(default=0, description="The .metadata.generation this was set for.")


class GateStatus(_Model):
    """The persisted state of the health gate (see gate.GateState)."""

    revision: str = Field(description="The revision being gated.")
    startedAt: float = Field(description="Gate start, Unix epoch seconds (wall clock: survives restarts).")
    nextProbeAt: float = Field(description="Next probe, Unix epoch seconds.")
    successes: int = Field(default=0, description="Consecutive healthy probes.")
    failures: int = Field(default=0, description="Consecutive unhealthy probes.")
    probes: int = Field(default=0, description="Probes that reached a verdict.")
    result: Literal["Pending", "Passed", "Failed"] = Field(default="Pending", description="Gate verdict.")
    reason: str = Field(default="", description="Why the gate passed or failed.")


class Rollback(_Model):
    """The last automatic rollback."""

    fromRevision: str = Field(description="The revision that failed its gate.")
    toRevision: str = Field(description="The stable revision restored.")
    reason: str = Field(description="Why the gate failed.")
    time: str = Field(description="When (RFC 3339).")


class TradingBotStatus(_Model):
    """Observed state, written only by the operator."""

    observedGeneration: int = Field(default=0, description="The .metadata.generation last acted on.")
    phase: str = Field(
        default="", description="Pending | Progressing | Stable | RolledBack | Failed | Suspended."
    )
    currentRevision: str = Field(default="", description="Revision the StatefulSet runs now.")
    stableRevision: str = Field(default="", description="Last revision that passed the health gate.")
    failedRevisions: list[str] = Field(
        default_factory=list, description="Revisions that failed the gate; never retried automatically."
    )
    lastRollback: Rollback | None = Field(default=None, description="The last automatic rollback.")
    monitorStatus: str = Field(default="", description="The bot's monitor_status from /healthz.")
    gate: GateStatus | None = Field(default=None, description="Health gate progress of currentRevision.")
    conditions: list[Condition] = Field(
        default_factory=list, description="Ready, Progressing, Degraded, SecretsReady."
    )
