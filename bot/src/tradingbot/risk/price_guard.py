"""The price guard: a market price is traded on only once it is believable.

Pure: prices and times (monotonic seconds) come in, verdicts go out; no I/O, no clock.

Rules (settings ``TRADINGBOT_PRICE_GUARD__*``, :class:`PriceGuardSettings`):

- **Reference.** The prices accepted within the last ``window`` seconds (at least the last accepted one).
  A new price more than ``max_jump`` (a fraction) away from any of them is a *jump*: it trips the guard
  (trip reason ``jump``) and is not accepted. Checking against every reference price in the window, not
  only the last one, means a run of small steps cannot walk the price away without a trip.
- **Unconfirmed.** While tripped, nothing is accepted until a price is confirmed, either by
  ``confirmations`` consecutive updates all within ``max_jump`` of the first of them (the candidate;
  a far update restarts the run from itself), or by a REST ticker read within ``max_jump`` of the latest
  candidate. The confirmed price becomes the new reference. A REST read confirms only a clean jump: once
  the feed has flapped (the candidate changed during the trip, or the trip came within ``window``
  seconds of the last confirmation), only consecutive stream updates can settle it, because a REST read
  of a flapping market is a coin toss.
- **No reference yet** (start-up): the first price becomes the reference. Nothing else is there to
  judge it by; if it was wrong, the true prices that follow trip the guard and confirm themselves, and
  the strategy never opens on an unconfirmed price either way.
- **Stale.** No update for ``stale_after`` seconds: trip reason ``stale`` once per silence.
- **Divergent.** Unconfirmed for longer than ``persist_after`` seconds: ``/healthz`` reports it.

Opening a position is allowed only while the guard is ``ok`` (see :func:`tradingbot.risk.permits`);
reducing is not the guard's business.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

TRIP_REASONS: tuple[str, ...] = ("jump", "stale")
"""Every trip reason (a fixed set: they label a metric)."""

_BOUNDS: dict[str, tuple[Any, Any, str]] = {
    "max_jump": (Decimal("0.001"), Decimal("0.5"), "a fraction of the reference price"),
    "window": (1.0, 3600.0, "seconds"),
    "confirmations": (2, 100, "consecutive consistent updates"),
    "stale_after": (1.0, 3600.0, "seconds"),
    "persist_after": (1.0, 3600.0, "seconds"),
}


class PriceGuardSettings(BaseModel):
    """The nested ``price_guard`` model of the settings (``TRADINGBOT_PRICE_GUARD__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_jump: Decimal = Decimal("0.03")
    """A move larger than this fraction of a reference price within ``window`` trips the guard."""
    window: float = 10.0
    """Seconds a reference price counts."""
    confirmations: int = 3
    """Consecutive consistent updates that confirm a tripped price."""
    stale_after: float = 30.0
    """Seconds without a valid update after which the data is stale (no opening)."""
    persist_after: float = 30.0
    """Seconds unconfirmed after which the divergence degrades ``/healthz``."""

    @field_validator("max_jump", "window", "confirmations", "stale_after", "persist_after")
    @classmethod
    def _in_range(cls, value: Any, info: Any) -> Any:
        low, high, unit = _BOUNDS[info.field_name]
        default = cls.model_fields[info.field_name].default
        if (isinstance(value, Decimal) and not value.is_finite()) or not low <= value <= high:
            raise ValueError(
                f"TRADINGBOT_PRICE_GUARD__{info.field_name.upper()}={value} is out of range;"
                f" accepted: {low}..{high} ({unit}, default {default})"
            )
        return value


class GuardState(StrEnum):
    OK = "ok"
    UNCONFIRMED = "unconfirmed"
    DIVERGENT = "divergent"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one update did: ``accepted`` (trade on it), ``trip`` (a reason, when this update tripped the
    guard), ``confirmed`` (it ended an unconfirmed spell) and ``after_trip`` (that spell began with a trip,
    not at start-up)."""

    accepted: bool
    trip: str | None = None
    confirmed: bool = False
    after_trip: bool = False


@dataclass(frozen=True, slots=True)
class GuardStatus:
    state: GuardState
    since: float | None = None
    """Monotonic time the current unconfirmed spell or silence began (None when ok)."""
    reference: Decimal | None = None
    candidate: Decimal | None = None

    @property
    def opening_allowed(self) -> bool:
        return self.state is GuardState.OK


class PriceGuard:
    def __init__(self, settings: PriceGuardSettings, *, started_at: float) -> None:
        self.settings = settings
        # The accepted prices of the window as monotonic queues: the lowest and the highest in O(1).
        self._lows: deque[tuple[float, Decimal]] = deque()
        self._highs: deque[tuple[float, Decimal]] = deque()
        self._reference: Decimal | None = None
        self._last_update = started_at
        self._stale_reported = False
        # An unconfirmed spell: since when, the candidate price and its run of consistent updates.
        self._unconfirmed_since: float | None = None
        self._candidate: Decimal | None = None
        self._run = 0
        self._flapped = False
        self._rest_asked = False
        self._confirmed_at: float | None = None
        self._spell_tripped = False
        self.trips = 0

    # --- updates -------------------------------------------------------------------------------------

    def observe(self, price: Decimal, now: float) -> Verdict:
        """One valid market price at ``now``."""
        self._last_update = now
        self._stale_reported = False
        if self._unconfirmed_since is not None:
            if self._candidate is not None and self._near(price, self._candidate):
                self._run += 1
            else:
                self._flapped = self._flapped or self._candidate is not None
                self._candidate, self._run, self._rest_asked = price, 1, False
            if self._run >= self.settings.confirmations:
                return Verdict(accepted=True, confirmed=True, after_trip=self._confirm(price, now))
            return Verdict(accepted=False)
        if self._reference is not None and self._jumps(price, now):
            self._unconfirmed_since = now
            self._candidate, self._run, self._rest_asked = price, 1, False
            # A trip soon after a confirmation is the same disturbance going on: a flapping feed.
            recent = self._confirmed_at is not None and now - self._confirmed_at <= self.settings.window
            self._flapped = recent
            self.trips += 1
            self._spell_tripped = True
            return Verdict(accepted=False, trip="jump")
        self._accept(price, now)
        return Verdict(accepted=True)

    def want_rest_check(self) -> bool:
        """True once per candidate while a REST ticker read could still confirm it."""
        if self._unconfirmed_since is None or self._candidate is None or self._flapped or self._rest_asked:
            return False
        self._rest_asked = True
        return True

    def confirm_with_rest(self, price: Decimal, now: float) -> Verdict:
        """A REST ticker price read at ``now``: ``confirmed`` when it agrees with the candidate. Nothing is
        ``accepted``: the next stream update near the candidate is the first price traded on."""
        candidate = self._candidate
        if self._unconfirmed_since is None or candidate is None or self._flapped:
            return Verdict(accepted=False)
        if not self._near(price, candidate):
            return Verdict(accepted=False)
        return Verdict(accepted=False, confirmed=True, after_trip=self._confirm(candidate, now))

    def poll(self, now: float) -> str | None:
        """Called from time to time: ``"stale"`` once when a silence passes ``stale_after``."""
        if not self._stale_reported and now - self._last_update >= self.settings.stale_after:
            self._stale_reported = True
            self.trips += 1
            return "stale"
        return None

    # --- state ---------------------------------------------------------------------------------------

    def status(self, now: float) -> GuardStatus:
        reference = self._reference
        if now - self._last_update >= self.settings.stale_after:
            return GuardStatus(GuardState.STALE, self._last_update, reference, self._candidate)
        since = self._unconfirmed_since
        if since is None:
            return GuardStatus(GuardState.OK, None, reference)
        state = GuardState.DIVERGENT if now - since >= self.settings.persist_after else GuardState.UNCONFIRMED
        return GuardStatus(state, since, reference, self._candidate)

    def opening_allowed(self, now: float) -> bool:
        return self.status(now).opening_allowed

    # --- rules ---------------------------------------------------------------------------------------

    def _near(self, price: Decimal, anchor: Decimal) -> bool:
        return abs(price - anchor) <= self.settings.max_jump * anchor

    def _accept(self, price: Decimal, now: float) -> None:
        self._reference = price
        while self._lows and self._lows[-1][1] >= price:
            self._lows.pop()
        self._lows.append((now, price))
        while self._highs and self._highs[-1][1] <= price:
            self._highs.pop()
        self._highs.append((now, price))

    def _jumps(self, price: Decimal, now: float) -> bool:
        # Older references leave the window, but the last accepted price (the back of both queues)
        # always stays: after a quiet spell the price is still compared with what was last believed.
        horizon = now - self.settings.window
        for queue in (self._lows, self._highs):
            while len(queue) > 1 and queue[0][0] < horizon:
                queue.popleft()
        # |p - r| / r > max_jump for some reference r: the extremes decide (p / r falls as r grows).
        j = self.settings.max_jump
        return price > self._lows[0][1] * (1 + j) or price < self._highs[0][1] * (1 - j)

    def _confirm(self, price: Decimal, now: float) -> bool:
        """Ends the spell with ``price`` as the reference; True when the spell began with a trip."""
        tripped, self._spell_tripped = self._spell_tripped, False
        self._lows.clear()
        self._highs.clear()
        self._accept(price, now)
        self._unconfirmed_since = None
        self._candidate, self._run, self._flapped, self._rest_asked = None, 0, False, False
        self._confirmed_at = now
        return tripped
