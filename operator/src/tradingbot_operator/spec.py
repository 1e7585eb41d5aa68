"""The TradingBot custom resource as pydantic models: the one source of the CRD's OpenAPI schema and
CEL rules.

Field names are camelCase because they are the Kubernetes API surface; descriptions become the
`kubectl explain` text (crd.py appends each field's bounds to it). Money and sizes are Decimal in Python
and `number` in the schema.

The model refuses everything the API server would, so an operator never acts on a spec a current CRD
would not admit (a CRD older than the operator, a stored object from before a tightening). Rules the
OpenAPI subset cannot say (cross-field ones) are `Rule`s (specbase.py): a CEL expression for the CRD and a
Python predicate for the model, kept side by side here; tests/unit/operator checks that the two agree.
"""

# ruff: noqa: N815 - field names are the Kubernetes API's camelCase
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from tradingbot_operator import grammar
from tradingbot_operator.specbase import Float, JsonDecimal, Rule
from tradingbot_operator.specbase import SpecModel as _Model

GROUP = "tradingbot.dev"
VERSION = "v1alpha1"
KIND = "TradingBot"
PLURAL = "tradingbots"
SINGULAR = "tradingbot"
SHORT_NAMES = ("tb",)
SYMBOL_PATTERN = grammar.SYMBOL
SECRET_FILES = ("gmo_api_key", "gmo_api_secret", "discord_webhook_url")

# GMO Coin's maximum leverage for individual accounts (2x, the FSA cap for crypto margin trading).
GMO_MAX_LEVERAGE = Decimal("2")
# No GMO leverage symbol accepts a single order (or holds a position) larger than this many base units
# (XRP_JPY's maximum order is 100000); the bot checks the symbol's own minimum, maximum and step.
MAX_ORDER_SIZE = Decimal("1000000")
# JPY amounts above this are typing mistakes, not limits (10^12 JPY).
MAX_JPY = Decimal("1000000000000")
# The operator's probe timeout can be at most this (settings.py), and a probe never waits longer than
# periodSeconds (reconciler._gate_step): the gate's feasibility rule counts min(this, periodSeconds) per
# probe, so a gate the model admits can pass even when every probe takes as long as it may.
PROBE_TIMEOUT_MAX_SECONDS = 5.0


class Mode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


class SecretKeyRef(_Model):
    """A key of a Secret in the TradingBot's namespace."""

    name: str = Field(
        min_length=1,
        max_length=grammar.DNS1123_SUBDOMAIN_MAX,
        pattern=grammar.DNS1123_SUBDOMAIN,
        description="Name of the Secret in the TradingBot's namespace: a DNS-1123 subdomain (dot-separated"
        " labels of lower-case letters, digits and '-', each starting and ending with a letter or digit,"
        " so 'a..b' is refused), 1 to 253 characters.",
    )
    key: str = Field(
        min_length=1,
        max_length=grammar.DATA_KEY_MAX,
        pattern=grammar.DATA_KEY,
        description="Key inside the Secret's data whose value becomes the file: letters, digits, '-', '_'"
        " and '.', 1 to 253 characters, not '.' or '..' and not starting with '..'.",
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

    RULES = (
        Rule(
            cel="self.slowWindow > self.fastWindow",
            message="spec.strategy.slowWindow must be greater than spec.strategy.fastWindow",
            holds=lambda s: s.slowWindow > s.fastWindow,
            field_path=".slowWindow",
        ),
    )

    name: Literal["ma_cross"] = Field(default="ma_cross", description="Strategy name: ma_cross.")
    fastWindow: StrictInt = Field(
        default=5, ge=1, le=10000, description="Fast moving-average window (ticks), below slowWindow."
    )
    slowWindow: StrictInt = Field(
        default=20, ge=2, le=100000, description="Slow moving-average window (ticks), above fastWindow."
    )
    orderSize: JsonDecimal = Field(
        gt=0,
        le=MAX_ORDER_SIZE,
        default=Decimal("0.01"),
        description="Order size in base units (e.g. BTC). The bot also checks the symbol's own minimum,"
        " maximum and step.",
    )


class RiskSpec(_Model):
    """The seed's risk limits, passed to the bot as TRADINGBOT_RISK__*."""

    maxDrawdown: JsonDecimal = Field(
        gt=0,
        lt=1,
        default=Decimal("0.10"),
        description="Maximum drawdown as a ratio of peak equity (0.10 is 10%); 1 or more would never stop.",
    )
    dailyLossLimit: JsonDecimal = Field(
        gt=0, le=MAX_JPY, default=Decimal("50000"), description="Daily loss limit in JPY."
    )
    maxPositionSize: JsonDecimal = Field(
        gt=0, le=MAX_ORDER_SIZE, default=Decimal("0.05"), description="Maximum position size in base units."
    )
    maxTradeLoss: JsonDecimal = Field(
        gt=0, le=MAX_JPY, default=Decimal("10000"), description="Maximum loss of one trade in JPY."
    )
    maxLeverage: JsonDecimal = Field(
        gt=0,
        le=GMO_MAX_LEVERAGE,
        default=Decimal("2"),
        description="Maximum leverage; GMO Coin allows at most 2x.",
    )
    maxWalletDrift: JsonDecimal = Field(
        gt=0,
        le=MAX_JPY,
        default=Decimal("1000"),
        description="Maximum drift between ledger and exchange wallet in JPY.",
    )


def _gate_fits(g: HealthGate) -> bool:
    # The same operations in the same order as the CEL rule, so both round alike.
    probe = g.periodSeconds if g.periodSeconds < PROBE_TIMEOUT_MAX_SECONDS else PROBE_TIMEOUT_MAX_SECONDS
    needed = (
        g.initialDelaySeconds
        + g.periodSeconds * float(g.successThreshold)
        + probe * float(g.successThreshold)
    )
    return needed <= g.progressDeadlineSeconds


_TIMEOUT = f"{PROBE_TIMEOUT_MAX_SECONDS:.1f}"
_GATE_MINIMUM = (
    "initialDelaySeconds + (periodSeconds + the probe timeout) * successThreshold, where the probe"
    f" timeout is periodSeconds or {PROBE_TIMEOUT_MAX_SECONDS:g} s, whichever is less"
)


class HealthGate(_Model):
    """How a new revision is judged: the bot's /healthz polled after the rollout."""

    RULES = (
        Rule(
            cel="self.initialDelaySeconds + self.periodSeconds * double(self.successThreshold)"
            f" + (self.periodSeconds < {_TIMEOUT} ? self.periodSeconds : {_TIMEOUT})"
            " * double(self.successThreshold) <= self.progressDeadlineSeconds",
            message="spec.healthGate.progressDeadlineSeconds is too short for the gate ever to pass:"
            f" it must be at least {_GATE_MINIMUM}",
            holds=_gate_fits,
            field_path=".progressDeadlineSeconds",
        ),
    )

    initialDelaySeconds: Float = Field(
        default=10, ge=0, le=3600, description="Seconds after the rollout before the first probe."
    )
    periodSeconds: Float = Field(default=10, gt=0, le=3600, description="Seconds between probes.")
    successThreshold: StrictInt = Field(
        default=3, ge=1, le=1000, description="Consecutive healthy probes that make the revision stable."
    )
    failureThreshold: StrictInt = Field(
        default=3, ge=1, le=1000, description="Consecutive unhealthy probes that fail the revision."
    )
    progressDeadlineSeconds: Float = Field(
        default=600,
        gt=0,
        le=86400,
        description=f"Seconds after the rollout by which the gate must pass; at least {_GATE_MINIMUM}.",
    )


_QUANTITY_TEXT = (
    "a non-negative Kubernetes quantity: digits with an optional fraction and one suffix (m, k, M, G, T,"
    " P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3), at most 64 characters"
)
_QUANTITY_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": grammar.QUANTITY_MAX,
    "pattern": grammar.QUANTITY,
}
Quantity = Annotated[str, Field(min_length=1, max_length=grammar.QUANTITY_MAX, pattern=grammar.QUANTITY)]


def _known_resources(value: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(value) - set(grammar.RESOURCE_NAMES))
    if unknown:
        accepted = ", ".join(grammar.RESOURCE_NAMES)
        raise ValueError(f"unknown resource name(s) {', '.join(map(repr, unknown))}; accepted: {accepted}")
    return value


# A map in Python, an object with one property per known name in the schema: the API server then
# refuses an unknown name as an unknown field. (A CEL rule over the map's keys would need a string
# operation on keys of unbounded length, which the API server's cost estimate refuses.)
ResourceList = Annotated[
    dict[str, Quantity],
    AfterValidator(_known_resources),
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                name: {**_QUANTITY_SCHEMA, "description": f"{name}: {_QUANTITY_TEXT}."}
                for name in grammar.RESOURCE_NAMES
            },
        }
    ),
]


class ResourceRequirements(_Model):
    """Container resources, as in a Pod's resources field."""

    requests: ResourceList = Field(
        default_factory=dict,
        description=f"Minimum resources ({', '.join(grammar.RESOURCE_NAMES)}), e.g. cpu: 100m.",
    )
    limits: ResourceList = Field(
        default_factory=dict,
        description=f"Maximum resources ({', '.join(grammar.RESOURCE_NAMES)}), e.g. memory: 256Mi.",
    )


class TradingBotSpec(_Model):
    """Desired state of one trading bot (one pod, one symbol)."""

    RULES = (
        Rule(
            cel="self.mode != 'live' || (has(self.secrets) && has(self.secrets.gmoApiKey)"
            " && has(self.secrets.gmoApiSecret))",
            message="spec.secrets.gmoApiKey and spec.secrets.gmoApiSecret are required"
            " when spec.mode is live",
            holds=lambda s: (
                s.mode is not Mode.LIVE
                or (s.secrets.gmoApiKey is not None and s.secrets.gmoApiSecret is not None)
            ),
            field_path=".secrets",
            reason="FieldValueRequired",
        ),
    )

    image: str = Field(
        min_length=1,
        max_length=grammar.IMAGE_MAX,
        pattern=grammar.IMAGE,
        description="Container image of the bot: an OCI reference name[:tag][@digest], e.g."
        " ghcr.io/example/tradingbot:1.0 or ...@sha256:<64 hex>; no spaces or newlines, 1 to 512"
        " characters.",
    )
    mode: Mode = Field(
        default=Mode.PAPER, description="paper (simulator) or live (real GMO, needs both API secrets)."
    )
    symbol: str = Field(
        default="BTC_JPY",
        pattern=SYMBOL_PATTERN,
        description="Leverage symbol: 2-10 upper-case letters, '_', 2-5 upper-case letters, e.g. BTC_JPY."
        " Immutable.",
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
    revisionHistoryLimit: StrictInt = Field(
        default=5, ge=1, le=100, description="How many ControllerRevisions (and snapshots) to keep."
    )
    suspend: StrictBool = Field(
        default=False, description="Stop reconciling the workload (it is left as it is)."
    )
    storageSize: str = Field(
        default="1Gi",
        pattern=grammar.STORAGE_SIZE,
        description="Size of the var/ volume: a whole number above 0 without leading zeros (at most 9"
        " digits) and Ki, Mi, Gi or Ti, e.g. 1Gi. Immutable.",
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
