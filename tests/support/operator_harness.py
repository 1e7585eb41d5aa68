"""Harness of the operator's integration tests (fixtures are re-exported by conftest.py).

Real: the operator (kopf + tradingbot_operator, in-process or as a `kopf run` subprocess), its HTTP
client, its health prober, real HTTP on 127.0.0.1.
Emulated: the Kubernetes API (kmock 0.8 + kmock_fixed.FixedEmulator), the StatefulSet controller and
kubelet (FakeKubelet: StatefulSet -> one Pod named <sts>-0, Running with podIP 127.0.0.1, or stuck in
ImagePullBackOff when the image name contains "badimage"), the bot's /healthz (FakeBot: healthy unless
the image contains "broken" or a mounted secret value starts with "broken") and garbage collection
(fake_gc, called explicitly by the test that needs it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp.web
import kmock
import kopf
import pytest
import yaml
from tradingbot_operator.credentials import TokenSource, file_loader
from tradingbot_operator.handlers import register
from tradingbot_operator.health import HealthProber
from tradingbot_operator.kube import Connection, KubeApi
from tradingbot_operator.metrics import Metrics
from tradingbot_operator.reconciler import Runtime
from tradingbot_operator.settings import OperatorSettings

from tests.support.eventually import eventually as _poll
from tests.support.kmock_fixed import FixedEmulator

NS = "staging"
TB = kmock.resource("tradingbot.dev", "v1alpha1", "tradingbots")
STS = kmock.resource("apps", "v1", "statefulsets")
PODS = kmock.resource("", "v1", "pods")
SECRETS = kmock.resource("", "v1", "secrets")
CONFIGMAPS = kmock.resource("", "v1", "configmaps")
SERVICES = kmock.resource("", "v1", "services")
REVISIONS = kmock.resource("apps", "v1", "controllerrevisions")
EVENTS = kmock.resource("", "v1", "events")
GATE = {
    "initialDelaySeconds": 0.1,
    "periodSeconds": 0.1,
    "successThreshold": 2,
    "failureThreshold": 2,
    "progressDeadlineSeconds": 3,
}


@pytest.fixture
def kmock_options() -> dict[str, Any]:
    return {"cls": FixedEmulator}


@pytest.fixture
async def k8s(kmock: FixedEmulator) -> FixedEmulator:
    kmock.resources.load_bundled()
    kmock.resources["tradingbot.dev/v1alpha1/tradingbots"] = kmock.ResourceInfo(
        kind="TradingBot",
        singular="tradingbot",
        shortnames={"tb"},
        namespaced=True,
        subresources={"status"},
        verbs={"list", "watch", "get", "create", "patch", "update", "delete"},
    )
    return kmock


class FakeKubelet:
    """StatefulSet controller + kubelet in one: keeps Pod <sts>-0 in step with the StatefulSet.

    It reacts to the StatefulSet writes the emulator reports (as a controller reacts to watch events)
    and rescans everything only every `RESCAN_SECONDS` as a safety net; rescanning every object on a
    20 ms tick cost the emulator process most of a core with 200 TradingBots."""

    RESCAN_SECONDS = 1.0

    def __init__(self, api: FixedEmulator) -> None:
        self.api = api
        self.pods_created = 0

    async def run(self) -> None:
        self.sync()
        while True:
            try:
                await asyncio.wait_for(self.api.changed_event.wait(), self.RESCAN_SECONDS)
            except TimeoutError:
                self.sync()
                continue
            self.api.changed_event.clear()
            changed, self.api.changed[:] = list(self.api.changed), []
            self.sync([key for key in changed if key[0] == STS])

    def sync(self, keys: list[Any] | None = None) -> None:
        objects = self.api.objects
        for key in keys if keys is not None else [k for k in objects if k[0] == STS]:
            _, ns, name = key
            if key not in objects or objects[key].deleted:
                continue
            obj = objects[key]
            sts = obj.raw
            template = sts["spec"]["template"]
            pod_key = (PODS, ns, f"{name}-0")
            labels = dict(template["metadata"]["labels"])
            existing = objects[pod_key].raw if pod_key in objects and not objects[pod_key].deleted else None
            if (
                existing is not None
                and existing["metadata"]["labels"] == labels
                and existing["spec"] == template["spec"]
            ):
                continue
            image = template["spec"]["containers"][0]["image"]
            if "badimage" in image:
                status = {
                    "phase": "Pending",
                    "containerStatuses": [
                        {"name": "bot", "ready": False, "state": {"waiting": {"reason": "ImagePullBackOff"}}}
                    ],
                }
            else:
                status = {
                    "phase": "Running",
                    "podIP": "127.0.0.1",
                    "containerStatuses": [{"name": "bot", "ready": True, "state": {"running": {}}}],
                }
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"{name}-0",
                    "namespace": ns,
                    "labels": labels,
                    "ownerReferences": [{"kind": "StatefulSet", "name": name}],
                },
                "spec": template["spec"],
                "status": status,
            }
            objects[pod_key] = pod
            self.pods_created += 1


class FakeBot:
    """The bot's /healthz for every pod, decided from the pod's image and mounted secret snapshot."""

    def __init__(self, api: FixedEmulator) -> None:
        self.api = api
        self.probes = 0
        # Images answered unhealthy until the test removes them (a fault that an operator then fixes).
        self.refused_images: set[str] = set()
        self.runner: aiohttp.web.AppRunner | None = None
        self.port = 0

    def healthy(self, pod: dict[str, Any]) -> bool:
        image = pod["spec"]["containers"][0]["image"]
        if "broken" in image or image in self.refused_images:
            return False
        for volume in pod["spec"].get("volumes", []):
            secret_name = volume.get("secret", {}).get("secretName")
            key = (SECRETS, pod["metadata"]["namespace"], secret_name)
            if secret_name and key in self.api.objects and not self.api.objects[key].deleted:
                for value in self.api.objects[key].raw.get("data", {}).values():
                    if base64.b64decode(value).startswith(b"broken"):
                        return False
        return True

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        self.probes += 1
        key = (PODS, request.match_info["namespace"], request.match_info["pod"])
        if key not in self.api.objects or self.api.objects[key].deleted:
            return aiohttp.web.json_response({"status": "unhealthy"}, status=503)
        if self.healthy(self.api.objects[key].raw):
            return aiohttp.web.json_response({"status": "ok", "monitor_status": "active"})
        return aiohttp.web.json_response({"status": "unhealthy", "monitor_status": "halted"}, status=503)

    async def start(self) -> None:
        app = aiohttp.web.Application()
        app.router.add_get("/healthz/{namespace}/{pod}", self.handle)
        self.runner = aiohttp.web.AppRunner(app)
        await self.runner.setup()
        site = aiohttp.web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def kubelet(k8s: FixedEmulator) -> AsyncIterator[FakeKubelet]:
    fake = FakeKubelet(k8s)
    task = asyncio.create_task(fake.run())
    yield fake
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def bot(k8s: FixedEmulator) -> AsyncIterator[FakeBot]:
    fake = FakeBot(k8s)
    await fake.start()
    yield fake
    await fake.stop()


def health_template(bot: FakeBot) -> str:
    return f"http://127.0.0.1:{bot.port}/healthz/{{namespace}}/{{pod}}"


class OperatorRunner:
    """Starts and stops the real operator, each time with a fresh registry, in its own thread and loop.

    A thread, because kopf.operator() treats every task created after its start as its own and cancels
    it on exit, pytest's test task included; a loop of its own also keeps the emulator's loop free."""

    def __init__(
        self,
        k8s: FixedEmulator,
        bot: FakeBot,
        *,
        token_file: Path | None = None,
        settings: dict[str, Any] | None = None,
        analysis: Any = None,
    ) -> None:
        self.k8s = k8s
        self.bot = bot
        # A file the test rewrites to rotate the bearer token (as the kubelet rewrites the projected one).
        self.token_file = token_file
        self.extra_settings = dict(settings or {})
        self.analysis = analysis
        self.logins = 0
        self.thread: threading.Thread | None = None
        self.stop_flag = threading.Event()
        self.runtime: Runtime | None = None
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        return str(self.k8s.url).rstrip("/")

    async def start(self) -> None:
        registry = kopf.OperatorRegistry()
        url = self.url

        token_file = self.token_file

        @kopf.on.login(registry=registry)
        def login(**_: Any) -> kopf.ConnectionInfo:
            # Read anew on every call: kopf calls it again after a 401.
            self.logins += 1
            token = token_file.read_text().strip() if token_file is not None else None
            return kopf.ConnectionInfo(server=url, insecure=True, token=token)

        def factory(settings: OperatorSettings) -> Runtime:
            tokens = TokenSource(file_loader(token_file)) if token_file is not None else None
            self.runtime = Runtime(
                api=KubeApi(Connection(server=url, insecure=True, tokens=tokens)),
                prober=HealthProber(timeout=1.0),
                metrics=Metrics(),
                settings=settings,
                analysis=self.analysis,
            )
            return self.runtime

        settings = OperatorSettings(
            health_url_template=health_template(self.bot),
            metrics_port=0,
            resync_seconds=5,
            **self.extra_settings,
        )
        register(registry, settings=settings, runtime_factory=factory, login=False)
        self.stop_flag = threading.Event()
        ready = threading.Event()

        def main() -> None:
            try:
                asyncio.run(
                    kopf.operator(
                        registry=registry,
                        clusterwide=True,
                        standalone=True,
                        stop_flag=self.stop_flag,
                        ready_flag=ready,
                    )
                )
            except BaseException as exc:  # reported by stop()
                self.error = exc

        self.thread = threading.Thread(target=main, name="operator", daemon=True)
        self.thread.start()
        assert await asyncio.to_thread(ready.wait, 10), "the operator did not become ready"

    async def stop(self) -> None:
        if self.thread is not None:
            self.stop_flag.set()
            await asyncio.to_thread(self.thread.join, 10)
            assert not self.thread.is_alive(), "the operator did not stop"
            self.thread = None
            assert self.error is None, self.error


@pytest.fixture
async def operator(k8s: FixedEmulator, bot: FakeBot, kubelet: FakeKubelet) -> AsyncIterator[OperatorRunner]:
    runner = OperatorRunner(k8s, bot)
    await runner.start()
    yield runner
    await runner.stop()


# Objects of the emulated API appear step by step: a field not written yet counts as "not yet".
eventually = functools.partial(_poll, timeout=8.0, ignore=(KeyError, ValueError, TypeError))


def get(k8s: FixedEmulator, res: Any, name: str, ns: str = NS) -> dict[str, Any] | None:
    key = (res, ns, name)
    if key not in k8s.objects or k8s.objects[key].deleted:
        return None
    return k8s.objects[key].raw


def names(k8s: FixedEmulator, res: Any, ns: str = NS) -> set[str]:
    return {name for (r, n, name), obj in k8s.objects.items() if r == res and n == ns and not obj.deleted}


def status(k8s: FixedEmulator, name: str) -> dict[str, Any]:
    obj = get(k8s, TB, name)
    return (obj or {}).get("status") or {}


def condition(k8s: FixedEmulator, name: str, type_: str) -> dict[str, Any]:
    for c in status(k8s, name).get("conditions", []):
        if c["type"] == type_:
            return dict(c)
    return {}


def events(k8s: FixedEmulator, reason: str | None = None) -> list[dict[str, Any]]:
    found = [obj.raw for (r, _, _), obj in k8s.objects.items() if r == EVENTS and not obj.deleted]
    return [e for e in found if reason is None or e["reason"] == reason]


def secret(name: str, **files: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NS},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in files.items()},
    }


def tradingbot(name: str = "bot1", image: str = "tradingbot:1.0", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tradingbot.dev/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"image": image, "mode": "paper", "symbol": "BTC_JPY", "healthGate": dict(GATE), **spec},
    }


Create = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def write_kubeconfig(path: Path, server: str) -> Path:
    """A kubeconfig that points an operator process at the emulated API (the token is a placeholder)."""
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "kmock",
                "clusters": [{"name": "kmock", "cluster": {"server": server}}],
                "users": [{"name": "test", "user": {"token": "not-a-secret"}}],
                "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "test"}}],
            }
        )
    )
    return path
