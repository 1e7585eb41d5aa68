"""Where GMO lives: the four base URLs, for the real exchange or a simulator on one port."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class GmoEndpoints:
    public_rest: str
    private_rest: str
    public_ws: str
    private_ws: str  # the token is appended as "/{token}"

    @classmethod
    def production(cls) -> GmoEndpoints:
        return cls.at("https://api.coin.z.com")

    @classmethod
    def at(cls, base_url: str) -> GmoEndpoints:
        """The GMO layout under one origin, e.g. "http://127.0.0.1:PORT" for the simulator."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base URL must be http(s)://host[:port], got {base_url!r}")
        base = base_url.rstrip("/")
        ws_base = ("wss://" if parts.scheme == "https" else "ws://") + base.split("://", 1)[1]
        return cls(
            public_rest=f"{base}/public",
            private_rest=f"{base}/private",
            public_ws=f"{ws_base}/ws/public/v1",
            private_ws=f"{ws_base}/ws/private/v1",
        )
