"""The summary at stop: what this run did (orders, fills, realised P&L, fees) and the position it leaves on
the exchange, read there (not assumed). Logged for a person (a WARNING when a position is left open),
notified, and returned for ``run_complete.json`` and the ``stop`` audit event."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from tradingbot.engine import narrate
from tradingbot.engine.reconcile import exposure_of
from tradingbot.engine.reporting import Journal
from tradingbot.engine.state import EngineState
from tradingbot.engine.store import StateStore
from tradingbot.exchange.ports import ExchangePort

log = logging.getLogger(__name__)


async def stop_summary(
    store: StateStore,
    exchange: ExchangePort,
    state: EngineState,
    journal: Journal,
    *,
    since: datetime,
    read_within: float = 5.0,
) -> dict[str, object]:
    symbol = state.symbol
    totals = store.run_totals(since)
    try:
        async with asyncio.timeout(read_within):
            left = exposure_of(await exchange.open_positions(symbol))
        known = True
    except Exception as exc:
        log.warning("position at stop unknown: the exchange could not be read (%s)", type(exc).__name__)
        left, known = state.exposure, False
    narrate.LOGGER.info(narrate.summary(totals, symbol, left.long, left.short, known))
    if known and (left.long or left.short):
        warning = narrate.position_left_warning(symbol, left.long, left.short)
        narrate.LOGGER.warning(warning)
        journal.notify(warning)
    return {
        "orders_placed": totals.orders,
        "fills": totals.fills,
        "realised_pnl_jpy": str(totals.realised),
        "fees_jpy": str(totals.fees),
        "position_left": str(left.net) if known else None,
        "position_left_long": str(left.long) if known else None,
        "position_left_short": str(left.short) if known else None,
        "paused": state.paused,
    }
