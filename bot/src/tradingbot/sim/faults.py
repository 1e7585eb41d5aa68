"""Fault injection plan, mutable at run time in-process or over /admin/faults."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from tradingbot.sim import badframes

MAINTENANCE_CODES = ("ERR-5201", "ERR-5202", "ERR-5203")
_COUNTERS = ("http_5xx_next", "rate_limit_next", "malformed_next", "accept_then_timeout_next")


def _noop() -> None:
    return None


@dataclass
class FaultPlan:
    latency_ms: int = 0
    http_5xx_next: int = 0
    rate_limit_next: int = 0
    maintenance: str | None = None
    ws_stall: bool = False
    malformed_next: int = 0
    accept_then_timeout_next: int = 0
    # Bad public frames ("<channel>:<kind>", see .badframes), sent at the next public broadcast in place
    # of its frames, around bad_frame_price (None: the market's mid); the list empties as they are sent.
    bad_frames: tuple[str, ...] = ()
    bad_frame_price: str | None = None
    # Wired by the Simulator to its WebSocket hub and token registry.
    _expire_ws_tokens: Callable[[], None] = field(default=_noop, repr=False, compare=False)
    _drop_ws: Callable[[], None] = field(default=_noop, repr=False, compare=False)

    def expire_ws_tokens(self) -> None:
        """Expire every private WS token now (their connections are closed)."""
        self._expire_ws_tokens()

    def drop_ws(self) -> None:
        """Close every WebSocket connection, public and private."""
        self._drop_ws()

    def take(self, counter: str) -> bool:
        """Consume one unit of a count-down fault; True when the fault applies to this event."""
        left: int = getattr(self, counter)
        if left <= 0:
            return False
        setattr(self, counter, left - 1)
        return True

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def reset(self) -> None:
        self.update({f.name: f.default for f in fields(self) if not f.name.startswith("_")})

    def update(self, values: Mapping[str, Any]) -> None:
        """Apply a partial plan (e.g. admin JSON); every value is checked before any is applied."""
        known = set(self.as_dict())
        checked: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}; known: {sorted(known)}")
            if name == "maintenance":
                if value is not None and value not in MAINTENANCE_CODES:
                    raise ValueError(
                        f"maintenance={value!r}; accepted: null or one of {list(MAINTENANCE_CODES)}"
                    )
            elif name == "ws_stall":
                if not isinstance(value, bool):
                    raise ValueError(f"ws_stall={value!r}; accepted: true or false")
            elif name == "bad_frames":
                value = badframes.check(value)
            elif name == "bad_frame_price":
                value = badframes.check_price(value)
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}={value!r}; accepted: an integer >= 0")
            checked[name] = value
        for name, value in checked.items():
            setattr(self, name, value)
