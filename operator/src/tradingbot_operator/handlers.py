"""kopf handlers: thin glue between kopf's watch streams and reconciler.reconcile().

One daemon per TradingBot runs the reconcile loop, so one writer handles one bot at a time. Spec
changes and changes of referenced Secrets wake that loop early; otherwise it sleeps as long as the
gate (or the resync period) allows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

import kopf

from tradingbot_operator import controls, logs, render
from tradingbot_operator.analysis import PrometheusAnalysis
from tradingbot_operator.health import HealthProber
from tradingbot_operator.kube import Connection, KubeApi
from tradingbot_operator.metrics import Metrics
from tradingbot_operator.reconciler import Runtime, reconcile
from tradingbot_operator.settings import OperatorSettings
from tradingbot_operator.spec import GROUP, PLURAL, VERSION

log = logging.getLogger("tradingbot_operator")
FINALIZER = f"{GROUP}/finalizer"

RuntimeFactory = Callable[[OperatorSettings], Runtime]


def default_runtime(settings: OperatorSettings) -> Runtime:
    metrics = Metrics()
    metrics.serve(settings.metrics_host, settings.metrics_port)
    return Runtime(
        api=KubeApi(Connection.from_environment()),
        prober=HealthProber(timeout=settings.probe_timeout_seconds),
        metrics=metrics,
        settings=settings,
        analysis=(
            PrometheusAnalysis(settings.prometheus_url, timeout=settings.probe_timeout_seconds)
            if settings.prometheus_url
            else None
        ),
    )


@dataclasses.dataclass
class _State:
    runtime: Runtime | None = None
    wakeups: dict[tuple[str, str], asyncio.Event] = dataclasses.field(default_factory=dict)
    # (namespace, secret name) -> bots referencing it, learnt from the bots' specs.
    secret_refs: dict[tuple[str, str], set[str]] = dataclasses.field(default_factory=dict)

    def wake(self, namespace: str, name: str) -> None:
        event = self.wakeups.get((namespace, name))
        if event is not None:
            event.set()

    def learn_refs(self, namespace: str, name: str, spec: Any) -> None:
        wanted = {
            str(ref.get("name"))
            for ref in ((spec or {}).get("secrets") or {}).values()
            if isinstance(ref, dict)
        }
        for (ns, secret), bots in list(self.secret_refs.items()):
            if ns == namespace and secret not in wanted:
                bots.discard(name)
        for secret in wanted:
            self.secret_refs.setdefault((namespace, secret), set()).add(name)


def register(
    registry: kopf.OperatorRegistry,
    *,
    settings: OperatorSettings | None = None,
    runtime_factory: RuntimeFactory = default_runtime,
    login: bool = True,
) -> None:
    """Register the handlers into `registry` (tests pass a fresh registry and a runtime factory).

    `settings` default to OperatorSettings.from_env() read at operator start-up. `login=False` leaves
    kopf's authentication to a login handler the caller registers (tests point kopf at the emulator).
    """
    state = _State()
    operator_settings = settings

    if login:

        @kopf.on.login(registry=registry)
        def login_handler(**_: Any) -> kopf.ConnectionInfo:
            # kopf calls this at start, again after a 401 and again at `expiration`: each call reads the
            # token from its source anew (kopf's built-in login_via_client keeps no expiry, so a rotated
            # token was noticed only by a 401 on a watch).
            return connection_info(Connection.from_environment())

    @kopf.on.startup(registry=registry)
    async def startup(settings: kopf.OperatorSettings, **_: Any) -> None:
        # Events are posted by the reconciler itself, only on transitions (steady state writes nothing).
        settings.posting.enabled = False
        # `kopf run` configures logging itself: its handlers get the Secret redaction too.
        logs.redact_root_handlers()
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=GROUP)
        settings.watching.server_timeout = 300
        state.runtime = runtime_factory(operator_settings or OperatorSettings.from_env())

    @kopf.on.cleanup(registry=registry)
    async def cleanup(**_: Any) -> None:
        if state.runtime is not None:
            await state.runtime.api.aclose()
            await state.runtime.prober.aclose()
            if state.runtime.analysis is not None:
                await state.runtime.analysis.aclose()

    @kopf.on.event(GROUP, VERSION, PLURAL, registry=registry)
    async def bot_event(*, namespace: Any, name: str, spec: Any, type: str, body: Any, **_: Any) -> None:
        if type == "DELETED":
            for bots in state.secret_refs.values():
                bots.discard(name)
            return
        state.learn_refs(namespace, name, spec)
        # Our own status writes come back as events too; only a spec change (or a deletion) is news.
        observed = (body.get("status") or {}).get("observedGeneration")
        if (
            body.get("metadata", {}).get("generation") != observed
            or body["metadata"].get("deletionTimestamp")
            or controls.needs_pass(body)  # a control annotation not acted on yet
        ):
            state.wake(namespace, name)

    @kopf.on.event("", "v1", "secrets", registry=registry)
    async def secret_event(*, namespace: Any, name: str, labels: Any, **_: Any) -> None:
        if (labels or {}).get("app.kubernetes.io/managed-by") == render.MANAGED_BY:
            return  # our own snapshots
        for bot in list(state.secret_refs.get((namespace, name), ())):
            state.wake(namespace, bot)

    @kopf.daemon(GROUP, VERSION, PLURAL, registry=registry, cancellation_timeout=5.0, backoff=1.0)
    async def bot_loop(*, namespace: Any, name: str, stopped: kopf.DaemonStopped, **_: Any) -> None:
        assert state.runtime is not None, "the startup handler creates the runtime"
        runtime = state.runtime
        wakeup = state.wakeups.setdefault((namespace, name), asyncio.Event())
        try:
            while not stopped:
                wakeup.clear()
                started = time.monotonic()
                try:
                    delay = await reconcile(runtime, namespace, name)
                except Exception:
                    runtime.metrics.errors.inc()
                    log.exception("reconcile of %s/%s failed; retrying", namespace, name)
                    delay = 1.0
                runtime.metrics.reconcile_seconds.observe(time.monotonic() - started)
                await _sleep(wakeup, stopped, delay)
        finally:
            state.wakeups.pop((namespace, name), None)


def connection_info(connection: Connection) -> kopf.ConnectionInfo:
    """kopf's credentials from a Connection, with the token read now.

    A token with a known expiry (exec plugin, auth provider) gets a kopf `expiration` a little before
    it, so kopf logs in again in time. The kubelet's projected token has none: the kubelet rewrites the
    file well before the old token expires, and a 401 makes kopf log in again (reading the file anew)."""
    token = connection.tokens.load_now() if connection.tokens is not None else None
    expires_at = None
    if token is not None and token.expires_at is not None:
        expires_at = token.expires_at - 30.0
    return kopf.ConnectionInfo(
        server=connection.server,
        ca_path=connection.ca_file,
        insecure=connection.insecure,
        certificate_path=connection.client_cert,
        private_key_path=connection.client_key,
        token=token.value if token is not None else None,
        expiration=(
            datetime.datetime.fromtimestamp(expires_at, datetime.UTC) if expires_at is not None else None
        ),
    )


_default_registered = False


def register_default() -> None:
    """Register into kopf's default registry once (for `kopf run -m` and `python -m`)."""
    global _default_registered
    if not _default_registered:
        register(kopf.get_default_registry())
        _default_registered = True


async def _sleep(wakeup: asyncio.Event, stopped: kopf.DaemonStopped, delay: float) -> None:
    waiters = {asyncio.ensure_future(wakeup.wait()), asyncio.ensure_future(stopped.wait())}
    try:
        await asyncio.wait(waiters, timeout=max(delay, 0.01), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
