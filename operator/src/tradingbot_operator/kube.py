"""A small async Kubernetes API client (aiohttp) for the objects the operator owns.

kopf's own API client is internal; the official client is synchronous. This one knows only what the
reconciler needs: get/list/create/merge-patch/delete of namespaced objects, the status subresource and
core/v1 Events. What it does for every call, as a client in a real cluster must:
- the bearer token comes from a `credentials.TokenSource`, read again from its source before it expires,
  and once more after a 401 (the request is then tried once again);
- 429 and 5xx answers are retried after Retry-After, else with backoff (`retrying.RetryPolicy`, bounded);
- lists are paginated (limit/continue), so a namespace with thousands of objects is not one huge answer;
- each try has a timeout (aiohttp's total timeout), so a hung connection costs one timeout, not a pass.

aiohttp (kopf's own HTTP stack) rather than httpx: with 200 TradingBots the operator's CPU went mostly
into httpcore's connection-pool bookkeeping (quadratic in queued requests) and into a failing
`import sniffio` that httpcore repeats on every request (docs/performance.md, operator profile).
"""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
import datetime
import json
import logging
import ssl
import time
from typing import Any

import aiohttp

from tradingbot_operator import credentials, logs
from tradingbot_operator.credentials import TokenSource
from tradingbot_operator.retrying import RetryPolicy, retry_delay
from tradingbot_operator.spec import GROUP, PLURAL, VERSION

log = logging.getLogger("tradingbot_operator.kube")
# Page size of list calls (the API server's own default for kubectl is 500).
LIST_PAGE_SIZE = 500

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
    # Where the bearer token comes from; None: no token (client certificates, or an open test API).
    tokens: TokenSource | None = None
    ca_file: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False

    @classmethod
    def from_environment(cls) -> Connection:
        """In-cluster service account, else the current kubeconfig context (as kopf does).

        The token is not copied: the connection keeps its source (the projected token file, or the
        kubeconfig with its exec plugin or auth provider) and reads it again when it gets old."""
        from kubernetes import client, config

        cfg = client.Configuration()
        try:
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            loader = credentials.file_loader(credentials.SERVICE_ACCOUNT_TOKEN)
        except config.ConfigException:
            config.load_kube_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            loader = credentials.kubeconfig_loader()
        return cls(
            server=cfg.host,
            tokens=TokenSource(loader),
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
    def __init__(
        self, connection: Connection, *, timeout: float = 10.0, retry: RetryPolicy | None = None
    ) -> None:
        self._server = connection.server.rstrip("/")
        self._ssl: ssl.SSLContext | bool = not connection.insecure
        if connection.ca_file and not connection.insecure:
            self._ssl = ssl.create_default_context(cafile=connection.ca_file)
        if connection.client_cert and isinstance(self._ssl, ssl.SSLContext):
            self._ssl.load_cert_chain(connection.client_cert, connection.client_key)
        self._tokens = connection.tokens
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retry = retry or RetryPolicy()
        self._session: aiohttp.ClientSession | None = None
        # What happened to requests (tests and metrics read these; no request content).
        self.retries = 0
        self.reauthentications = 0

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use: a session belongs to the running event loop.
        if self._session is None:
            self._session = aiohttp.ClientSession(
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
        reauthenticated = False
        attempt = 0
        while True:
            attempt += 1
            token = await self._tokens.token() if self._tokens is not None else None
            headers = {"Content-Type": content_type} if data is not None else {}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                async with self._client().request(
                    method, self._server + path, params=params, data=data, headers=headers
                ) as response:
                    status, body = response.status, await response.read()
                    retry_after, http_reason = response.headers.get("Retry-After"), response.reason
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                # Not connected: nothing was sent. Timed out or cut off (a kept-alive connection the server
                # closed, say): the request may have been applied, so only a read is sent again.
                safe = isinstance(exc, aiohttp.ClientConnectorError) or method == "GET"
                delay = retry_delay(self._retry, attempt, 503, None, now=time.time()) if safe else None
                if delay is None:
                    raise KubeError(0, method, path, f"{type(exc).__name__}: no answer") from exc
                self.retries += 1
                await asyncio.sleep(delay)
                continue
            if status == 401 and self._tokens is not None and not reauthenticated:
                # The token was rotated or expired under us: read it again from its source, try once more.
                reauthenticated = True
                self.reauthentications += 1
                await self._tokens.refresh(stale=token)
                attempt -= 1
                continue
            delay = retry_delay(self._retry, attempt, status, retry_after, now=time.time())
            if delay is not None:
                self.retries += 1
                log.info("%s %s -> HTTP %d; trying again in %.2fs", method, path, status, delay)
                await asyncio.sleep(delay)
                continue
            if status == 409 and method == "POST" and attempt > 1:
                # A create that was retried after a 5xx found its own first try: it did succeed.
                return None
            break
        if status == 404 and method == "GET":
            return None
        if status >= 400:
            try:
                reason = str(json.loads(body).get("message", ""))[:300]
            except (ValueError, AttributeError):
                reason = http_reason or ""
            raise KubeError(status, method, path, reason)
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
        selector = {"labelSelector": ",".join(f"{k}={v}" for k, v in labels.items())} if labels else {}
        items: builtins.list[dict[str, Any]] = []
        token = ""
        restarts = 0
        while True:
            params = {**selector, "limit": str(LIST_PAGE_SIZE)}
            if token:
                params["continue"] = token
            try:
                result = await self._request("GET", _path(kind, namespace), params=params) or {}
            except KubeError as exc:
                if exc.status != 410 or not token or restarts >= 1:
                    raise
                # The continue token expired (etcd compacted): start the list over, once.
                items, token, restarts = [], "", restarts + 1
                continue
            if kind == "Secret":
                logs.learn_secrets(result)
            items.extend(result.get("items") or [])
            token = str((result.get("metadata") or {}).get("continue") or "")
            if not token:
                break
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
