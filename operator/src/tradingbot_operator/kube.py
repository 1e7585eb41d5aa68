"""A small async Kubernetes API client (httpx) for the objects the operator owns.

kopf's own API client is internal; the official client is synchronous. This one knows only what the
reconciler needs: get/list/create/merge-patch/delete of namespaced objects, the status subresource and
core/v1 Events.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime
import ssl
from typing import Any

import httpx

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
        verify: ssl.SSLContext | bool = not connection.insecure
        if connection.ca_file and not connection.insecure:
            verify = ssl.create_default_context(cafile=connection.ca_file)
        if connection.client_cert and isinstance(verify, ssl.SSLContext):
            verify.load_cert_chain(connection.client_cert, connection.client_key)
        headers = {"Authorization": f"Bearer {connection.token}"} if connection.token else {}
        self._client = httpx.AsyncClient(
            base_url=connection.server, headers=headers, verify=verify, timeout=timeout, trust_env=False
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        response = await self._client.request(method, path, **kwargs)
        if response.status_code == 404 and method == "GET":
            return None
        if response.status_code >= 400:
            try:
                reason = str(response.json().get("message", ""))[:300]
            except ValueError:
                reason = response.reason_phrase
            raise KubeError(response.status_code, method, path, reason)
        result = response.json()
        return result if isinstance(result, dict) else None

    async def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return await self._request("GET", _path(kind, namespace, name))

    async def list(
        self, kind: str, namespace: str, labels: dict[str, str] | None = None
    ) -> builtins.list[dict[str, Any]]:
        params = {"labelSelector": ",".join(f"{k}={v}" for k, v in (labels or {}).items())} if labels else {}
        result = await self._request("GET", _path(kind, namespace), params=params)
        items = (result or {}).get("items", [])
        # Label selection is done here too: not every API (an emulator, say) filters by it.
        return [
            i
            for i in items
            if all((i.get("metadata", {}).get("labels") or {}).get(k) == v for k, v in (labels or {}).items())
        ]

    async def create(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        meta = obj["metadata"]
        return await self._request("POST", _path(obj["kind"], meta["namespace"]), json=obj)

    async def patch(
        self, kind: str, namespace: str, name: str, patch: dict[str, Any], *, subresource: str | None = None
    ) -> dict[str, Any] | None:
        return await self._request(
            "PATCH",
            _path(kind, namespace, name, subresource),
            json=patch,
            headers={"Content-Type": "application/merge-patch+json"},
        )

    async def json_patch(
        self, kind: str, namespace: str, name: str, ops: builtins.list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        return await self._request(
            "PATCH",
            _path(kind, namespace, name),
            json=ops,
            headers={"Content-Type": "application/json-patch+json"},
        )

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        try:
            await self._request("DELETE", _path(kind, namespace, name))
        except KubeError as exc:
            if exc.status != 404:
                raise

    async def event(self, involved: dict[str, Any], type_: str, reason: str, message: str) -> None:
        meta = involved["metadata"]
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        await self.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{meta['name']}.", "namespace": meta["namespace"]},
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
