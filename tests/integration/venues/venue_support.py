"""Shared helpers of the exchange-layer integration tests (a uniquely named module: pytest puts every test
folder on sys.path, so `from conftest import ...` would pick whichever conftest was imported first)."""

from __future__ import annotations

from tradingbot.venues.gmo.ws import StreamTiming

# Fast but still paced: the simulator enforces its own subscribe interval like GMO does.
FAST_WS = StreamTiming(
    stale_after=1.0,
    subscribe_interval=0.06,
    backoff_initial=0.05,
    backoff_cap=0.3,
    open_timeout=2.0,
    close_timeout=0.2,
    ping_interval=None,
    ping_timeout=None,
    token_extend_every=60.0,
)
