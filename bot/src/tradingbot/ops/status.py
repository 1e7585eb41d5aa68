"""The bot's monitor status (seed: ``monitor_status`` active | reconnecting | degraded | halted)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from tradingbot.risk.matrix import RiskStatus


class MonitorStatus(StrEnum):
    ACTIVE = "active"
    RECONNECTING = "reconnecting"
    DEGRADED = "degraded"
    HALTED = "halted"


CONNECTED = "connected"


def derive_monitor_status(
    stream_states: Mapping[str, object | None],
    risk_status: RiskStatus,
    halted: bool,
    reconciliation_ok: bool,
    price_guard: str = "ok",
) -> MonitorStatus:
    """Most severe first: halted > degraded > reconnecting > active.

    - halted: the persistent halt is set, or the risk matrix says abort (the engine records the halt).
    - degraded: the risk matrix says degraded (reduce only), or startup reconciliation found a mismatch
      (the engine refuses to open exposure until it is resolved).
    - degraded also: the price guard (``price_guard``, a :class:`tradingbot.risk.GuardState` value) says
      ``divergent`` (a price unconfirmed for longer than its ``persist_after``), or ``stale`` while every
      stream says connected (frames arrive, none valid). Stale data on a stream that is already down stays
      ``reconnecting``: the stream is the cause, and the seed's alert gives reconnects 5 minutes.
    - reconnecting: any stream (``public``, ``private``) is not connected — reconnecting, stale, or not
      started yet (None). Values are compared by their string value, so the client's ``StreamState``
      StrEnum works without importing it here.
    - active: everything connected and trading allowed.
    """
    if halted or risk_status is RiskStatus.ABORT:
        return MonitorStatus.HALTED
    if risk_status is RiskStatus.DEGRADED or not reconciliation_ok or price_guard == "divergent":
        return MonitorStatus.DEGRADED
    if not stream_states or any(
        state is None or str(state).lower() != CONNECTED for state in stream_states.values()
    ):
        return MonitorStatus.RECONNECTING
    if price_guard == "stale":
        return MonitorStatus.DEGRADED
    return MonitorStatus.ACTIVE
