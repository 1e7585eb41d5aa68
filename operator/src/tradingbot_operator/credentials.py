"""Bearer tokens that are read again from their source before they expire (and after a 401).

A cluster rotates credentials under a running operator: the kubelet rewrites the projected
service-account token file (the token itself expires after an hour or so), and kubeconfig exec plugins
(EKS, GKE) and auth providers (OIDC) issue tokens that last minutes. Copying the token once at start
worked until the first rotation; then every write failed with 401 while kopf's watches carried on.

`TokenSource` caches one `Token` and calls its loader again when the token is older than `max_age`
(client-go re-reads the service-account file every minute), when it is within `margin` of its known
expiry, or when a request was refused with 401 (`refresh(stale=...)`). The loader may block (an exec
plugin is a subprocess), so it runs in a thread, and one refresh serves every request waiting for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Where the kubelet projects the service account's token (rotated in place).
SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


@dataclasses.dataclass(frozen=True)
class Token:
    value: str | None
    # Epoch seconds when the issuer says the token expires (exec plugins, auth providers); None if unknown.
    expires_at: float | None = None

    def __repr__(self) -> str:  # the value never reaches a log or an exception
        return f"Token(value={'<set>' if self.value else None}, expires_at={self.expires_at})"


TokenLoader = Callable[[], Token]


def file_loader(path: Path) -> TokenLoader:
    """A token kept in a file that something else rewrites (the kubelet's projected token)."""

    def load() -> Token:
        return Token(path.read_text(encoding="utf-8").strip() or None)

    return load


def static_loader(value: str | None) -> TokenLoader:
    return lambda: Token(value)


def kubeconfig_loader(config_file: str | None = None) -> TokenLoader:
    """The current kubeconfig context's token, loaded anew each time.

    Loading runs the context's exec plugin or refreshes its auth provider (the kubernetes package does
    both), and re-reads a static token from the file, so a rotated kubeconfig is picked up too."""

    def load() -> Token:
        from kubernetes import client
        from kubernetes.config import kube_config

        cfg = client.Configuration()
        # Private, but the only way to the exec plugin's expiry; load_kube_config() does exactly this.
        loader = kube_config._get_kube_config_loader(  # type: ignore[no-untyped-call]
            filename=config_file or kube_config.KUBE_CONFIG_DEFAULT_LOCATION, persist_config=False
        )
        loader.load_and_set(cfg)
        return Token(_bearer(cfg.api_key), _epoch(getattr(loader, "expiry", None)))

    return load


def _bearer(api_key: dict[str, Any]) -> str | None:
    auth = api_key.get("authorization") or api_key.get("BearerToken")
    return str(auth).removeprefix("Bearer ").strip() or None if auth else None


def _epoch(expiry: Any) -> float | None:
    if isinstance(expiry, datetime.datetime):
        if expiry.tzinfo is None:
            expiry = expiry.replace(tzinfo=datetime.UTC)
        return float(expiry.timestamp())
    return None


class TokenSource:
    def __init__(
        self,
        loader: TokenLoader,
        *,
        max_age: float = 60.0,
        margin: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._loader = loader
        self._max_age = max_age
        self._margin = margin
        self._clock = clock
        self._token: Token | None = None
        self._loaded_at = 0.0
        self._lock: asyncio.Lock | None = None
        self.loads = 0

    def _fresh(self) -> bool:
        if self._token is None:
            return False
        now = self._clock()
        if now - self._loaded_at >= self._max_age:
            return False
        expires = self._token.expires_at
        return expires is None or now < expires - self._margin

    async def token(self) -> str | None:
        """The current token, read again from its source first if it is old or about to expire."""
        if not self._fresh():
            await self.refresh(stale=self._token.value if self._token else None)
        assert self._token is not None
        return self._token.value

    async def refresh(self, *, stale: str | None) -> str | None:
        """Read the token again unless someone already replaced `stale` (the token a 401 refused)."""
        if self._lock is None:  # created lazily: a lock belongs to the running loop
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._token is None or self._token.value == stale:
                self._token = await asyncio.to_thread(self._loader)
                self._loaded_at = self._clock()
                self.loads += 1
            return self._token.value

    def load_now(self) -> Token:
        """A synchronous load (kopf's login handler runs where no event loop is at hand)."""
        token = self._loader()
        self._token, self._loaded_at = token, self._clock()
        self.loads += 1
        return token
