"""The status line a person reads every ``TRADINGBOT_STATUS_LINE_EVERY`` seconds (default 60; 0 = off):
position, average price, unrealised and day P&L, equity, risk status, paused."""

from __future__ import annotations

import asyncio
import logging

from tradingbot.engine import narrate
from tradingbot.engine.reporting import Reporter
from tradingbot.engine.state import EngineState

log = logging.getLogger(__name__)


def figures(state: EngineState, reporter: Reporter) -> narrate.StatusFigures:
    s = state
    return narrate.StatusFigures(
        symbol=s.symbol, long=s.exposure.long, short=s.exposure.short, average_price=s.average_price,
        unrealised=s.unrealised, day_pnl=s.day_pnl, equity=s.equity, risk=s.risk.status.value,
        risk_reasons=s.risk.reasons, paused=s.paused, monitor_status=reporter.monitor_status.value,
    )  # fmt: skip


async def status_line_loop(state: EngineState, reporter: Reporter, every: float) -> None:
    if every <= 0:
        return
    while True:
        await asyncio.sleep(every)
        try:
            narrate.LOGGER.info(narrate.status_line(figures(state, reporter)))
        except Exception:
            reporter.loop_failure()
            log.exception("writing the status line failed")
