"""The operator's controls of a running bot: pause (no new positions, reducing still allowed), resume, and
flatten (close the position and stay paused).

The rule itself is not here: the trader passes ``paused`` to the one risk gate
(:func:`tradingbot.risk.permits`). This module changes the state, persists it (:mod:`.pause`) and reports
each control as an audit event, a notification and a log line. The ops port's ``POST /control/<name>``
calls :meth:`Controls.apply` after checking the run's token (:mod:`tradingbot.ops.control`).
"""

from __future__ import annotations

import logging
from typing import Any

from tradingbot.engine import narrate
from tradingbot.engine.account import Account
from tradingbot.engine.pause import PauseStore
from tradingbot.engine.reporting import Journal, Reporter
from tradingbot.engine.state import EngineState, utc_now

log = logging.getLogger(__name__)

CONTROLS = ("pause", "resume", "flatten")


class Controls:
    def __init__(
        self,
        state: EngineState,
        pauses: PauseStore,
        journal: Journal,
        reporter: Reporter,
        account: Account | None = None,
    ) -> None:
        self.state = state
        self.pauses = pauses
        self.journal = journal
        self.reporter = reporter
        self.account = account  # set once the engine is built; flatten needs it

    def restore(self) -> None:
        """At start: come back paused when the operator paused before the restart."""
        record = self.pauses.load()
        self.state.paused = record.paused
        if record.paused:
            narrate.LOGGER.warning(
                "paused since %s by %s (kept across the restart): no new positions until `tradingbot resume`",
                record.since, record.by,
            )  # fmt: skip

    async def apply(self, name: str, *, by: str = "operator") -> dict[str, Any]:
        if name not in CONTROLS:
            raise ValueError(f"unknown control {name!r}; accepted: {', '.join(CONTROLS)}")
        was = self.state.paused
        result: dict[str, Any] = {"control": name, "was_paused": was}
        if name == "resume":
            self._set(False, by)
        else:
            self._set(True, by)
        if name == "flatten":
            if self.account is None:
                raise RuntimeError("flatten: the engine is not running yet; the bot is paused, try again")
            await self.account.cancel_open_orders("operator flatten")
            result["orders"] = await self.account.flatten("operator flatten")
        result["paused"] = self.state.paused
        self.journal.audit(f"control_{name}", {"by": by, **result})
        self.journal.notify(self._text(name, result))
        narrate.LOGGER.warning(self._text(name, result))
        self.reporter.status_changed()
        return result

    def _set(self, paused: bool, by: str) -> None:
        self.state.paused = paused
        self.pauses.save(paused, by=by, run_id=self.journal.run.run_id, now=utc_now())

    @staticmethod
    def _text(name: str, result: dict[str, Any]) -> str:
        if name == "pause":
            return (
                "control pause: PAUSED, no new positions (reducing still allowed) until `tradingbot resume`"
            )
        if name == "resume":
            return "control resume: trading resumed" + ("" if result["was_paused"] else " (was not paused)")
        orders = result.get("orders") or ["no position to close"]
        return (
            f"control flatten: closing the position ({'; '.join(orders)}); PAUSED until `tradingbot resume`"
        )
