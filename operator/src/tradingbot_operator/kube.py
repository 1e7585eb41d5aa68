"""A small async Kubernetes API client (aiohttp) for the objects the operator owns.

kopf's own API client is internal; the official client is synchronous. This one knows only what the
reconciler needs: get/list/create/merge-patch/delete of namespaced objects, the status subresource and
core/v1 Events.

aiohttp (kopf's own HTTP stack) rather than httpx: with 200 TradingBots the operator's CPU went mostly
into httpcore's connection-pool bookkeeping (quadratic in queued requests) and into a failing
`import sniffio` that httpcore repeats on every request (docs/performance.md, operator profile).
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime
import json
import ssl
from typing import Any

import aiohttp

from tradingbot_operator import logs
from tradingbot_operator.spec import GROUP, PLURAL, VERSION

# kind -> (API prefix, plural)
RESOURCES: dict[str, tuple[str, str]] = {
    "TradingBot": (f"/apis/{GROUP}/{VERSION}", PLURAL),
    "StatefulSet": ("/apis/apps/v1", "statefulsets"),
    "ControllerRevision": ("/apis/apps/v1", "controllerrevisions"),
    "ConfigMap": ("/api/v1", "configmaps"),
    "Secret": ("/api/v1", "secrets"),
    "Service": ("/api/v1", "services"),
    "Pod": ("/api/v1", "pods"),
    "Event": ("/api/v1", "events"),
}


class KubeError(Exception):
    def __init__(self, status: int, method: str, path: str, reason: str) -> None:
        # The path and reason only: request bodies may hold secret data.
        super().__init__(f"{method} {path} -> HTTP {status}: {reason}")
        self.status = status


@dataclasses.dataclass(frozen=True)
class Connection:
    server: str
    token: str | None = None
    ca_file: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False

    @classmethod
    def from_environment(cls) -> Connection:
        """In-cluster service account, else the current kubeconfig context (as kopf does)."""
        from kubernetes import client, config

        cfg = client.Configuration()
        try:
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
        except config.ConfigException:
            config.load_kube_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
        token = None
        auth = cfg.api_key.get("authorization") or cfg.api_key.get("BearerToken")
        if auth:
            token = auth.removeprefix("Bearer ").strip()
        return cls(
            server=cfg.host,
            token=token,
            ca_file=cfg.ssl_ca_cert,
            client_cert=cfg.cert_file,
            client_key=cfg.key_file,
            insecure=not cfg.verify_ssl,
        )


def _path(kind: str, namespace: str, name: str | None = None, subresource: str | None = None) -> str:
    prefix, plural = RESOURCES[kind]
    path = f"{prefix}/namespaces/{namespace}/{plural}"
    if name is not None:
        path += f"/{name}"
    if subresource is not None:
        path += f"/{subresource}"
    return path


class KubeApi:
    def __init__(self, connection: Connection, *, timeout: float = 10.0) -> None:
        self._server = connection.server.rstrip("/")
        self._ssl: ssl.SSLContext | bool = not connection.insecure
        if connection.ca_file and not connection.insecure:
            self._ssl = ssl.create_default_context(cafile=connection.ca_file)
        if connection.client_cert and isinstance(self._ssl, ssl.SSLContext):
            self._ssl.load_cert_chain(connection.client_cert, connection.client_key)
        self._headers = {"Authorization": f"Bearer {connection.token}"} if connection.token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use: a session belongs to the running event loop.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self._headers,
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(ssl=self._ssl, limit=32),
                trust_env=False,
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        content_type: str = "application/json",
    ) -> dict[str, Any] | None:
        data = None if json_body is None else json.dumps(json_body)
        headers = {"Content-Type": content_type} if data is not None else None
        async with self._client().request(
            method, self._server + path, params=params, data=data, headers=headers
        ) as response:
            body = await response.read()
            if response.status == 404 and method == "GET":
                return None
            if response.status >= 400:
                try:
                    reason = str(json.loads(body).get("message", ""))[:300]
                except (ValueError, AttributeError):
                    reason = response.reason or ""
                raise KubeError(response.status, method, path, reason)
        result = json.loads(body) if body else None
        return result if isinstance(result, dict) else None

    async def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        result = await self._request("GET", _path(kind, namespace, name))
        if kind == "Secret":
            logs.learn_secrets(result)  # from here on its values are masked in every log line
        return result

    async def list(
        self, kind: str, namespace: str, labels: dict[str, str] | None = None
    ) -> builtins.list[dict[str, Any]]:
        params = {"labelSelector": ",".join(f"{k}={v}" for k, v in labels.items())} if labels else None
        result = await self._request("GET", _path(kind, namespace), params=params)
        if kind == "Secret":
            logs.learn_secrets(result)
        items = (result or {}).get("items", [])
        # Label selection is done here too: not every API (an emulator, say) filters by it.
        return [
            i
            for i in items
            if all((i.get("metadata", {}).get("labels") or {}).get(k) == v for k, v in (labels or {}).items())
        ]

    async def create(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        meta = obj["metadata"]
        return await self._request("POST", _path(obj["kind"], meta["namespace"]), json_body=obj)

    async def patch(
        self, kind: str, namespace: str, name: str, patch: dict[str, Any], *, subresource: str | None = None
    ) -> dict[str, Any] | None:
        return await self._request(
            "PATCH",
            _path(kind, namespace, name, subresource),
            json_body=patch,
            content_type="application/merge-patch+json",
        )

    async def json_patch(
        self, kind: str, namespace: str, name: str, ops: builtins.list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        return await self._request(
            "PATCH",
            _path(kind, namespace, name),
            json_body=ops,
            content_type="application/json-patch+json",
        )

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        try:
            await self._request("DELETE", _path(kind, namespace, name))
        except KubeError as exc:
            if exc.status != 404:
                raise

    async def event(
        self, involved: dict[str, Any], type_: str, reason: str, message: str, *, name: str | None = None
    ) -> None:
        """Create a core/v1 Event; `name` makes it idempotent (the reconciler names Events after their
        transition), without it the API server generates one."""
        meta = involved["metadata"]
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        naming = {"name": name} if name else {"generateName": f"{meta['name']}."}
        await self.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {**naming, "namespace": meta["namespace"]},
                "involvedObject": {
                    "apiVersion": involved.get("apiVersion", f"{GROUP}/{VERSION}"),
                    "kind": involved.get("kind", "TradingBot"),
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta.get("uid", ""),
                },
                "type": type_,
                "reason": reason,
                "message": message[:1024],
                "source": {"component": "tradingbot-operator"},
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
            }
        )
