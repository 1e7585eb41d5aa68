"""Issue 13's acceptance: the real bot against a simulator that sends bad frames of every reason, then a jump.

Real: the daemon (in-process, paper mode) with its public stream, decoder, price guard, strategy (ma_cross
2/3), order path, /metrics and /healthz over HTTP; the simulator on loopback, driven over its admin HTTP
endpoints. Nothing of the bot is mocked; everything asserted is read from outside (the simulator's orders,
the bot's /metrics, /healthz and audit log) or from its persisted state (the intent store, its exposure).

1. Bad frames. After a flat window the strategy buys on the next higher price. The simulator replaces one
   broadcast with bad frames of every refusal reason (``tradingbot.sim.badframes``; ``internal`` is the
   decoder's own bug and no frame is meant to cause it, so it cannot be injected), all around a price 2 %
   up that would make the bot buy if it believed any of them. The bot's ``/metrics`` counts each under the
   reason the simulator stated, and no order leaves: no intent, no order at the simulator, flat exposure,
   the strategy never saw the price. A control follows: one valid frame at that price, and the bot buys.
2. A price jump. A valid frame 22 % below (a lie: the simulator's own market stays where it was, so the
   guard's REST check disagrees) trips the price guard; the strategy would sell into it. No order leaves
   while it is unconfirmed; once the divergence persists ``/healthz`` is 503, degraded, reason
   ``price_divergence``. The market then really moves there: one update short of the guard's
   ``confirmations`` it is still degraded (a bad frame between updates does not reset the count), at the
   last one the price is confirmed "by updates", ``/healthz`` is 200 and the bot trades on it.
"""

from __future__ import annotations

import functools
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families
from tradingbot.marketdata import MALFORMED_REASONS, reasons
from tradingbot.sim import Simulator
from tradingbot.sim.badframes import parse

from tests.support.daemon_harness import WatchedStrategy, env_for, running_daemon, simulator
from tests.support.eventually import eventually
from tests.support.price_feed import feed

SYMBOL = "BTC_JPY"
BASE = Decimal("15000000")
BAIT = Decimal("15300000")  # +2 %: after a flat window at BASE: fast MA crosses above slow, the bot buys
JUMP = Decimal("12000000")  # 22 % below BAIT (max_jump 3 %): the guard trips; believed, the bot sells
BAD_FRAMES = [
    "ticker:unknown_channel",  # channel
    "ticker:missing_field",  # schema
    "ticker:nul_symbol",  # symbol
    "ticker:spot_symbol",  # symbol
    "ticker:fullwidth_digits",  # number
    "ticker:exponent",  # number
    "ticker:zero_price",  # range
    "ticker:naive_timestamp",  # timestamp
    "trades:hold_side",  # side
    "orderbooks:unsorted_asks",  # unsorted
    "ticker:crossed",  # crossed
    "orderbooks:crossed",  # crossed
    "ticker:truncated",  # json: last, and the only one of its reason (see all_taken)
]
CONFIRMATIONS = 3
REST_TICKER = "tradingbot_exchange_requests_total"
GUARD_ENV = {
    "TRADINGBOT_PRICE_GUARD__PERSIST_AFTER": "1",  # divergent (healthz degraded) after 1 s unconfirmed
    "TRADINGBOT_PRICE_GUARD__CONFIRMATIONS": str(CONFIRMATIONS),
    "TRADINGBOT_PRICE_GUARD__STALE_AFTER": "600",  # the feed is quiet between the test's steps: not stale
}


class Bot:
    """The bot from outside: its ops endpoints, and the simulator's admin endpoints that drive it."""

    def __init__(self, sim: Simulator, ops: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        self.sim, self.ops, self.admin = sim, ops, admin

    async def samples(self, name: str) -> list[tuple[dict[str, str], float]]:
        text = (await self.ops.get("/metrics")).text
        return [
            (sample.labels, sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name
        ]

    async def refused(self) -> dict[str, float]:
        """``tradingbot_malformed_frames_total`` of the public stream, by reason."""
        found = await self.samples("tradingbot_malformed_frames_total")
        return {labels["reason"]: value for labels, value in found if labels["stream"] == "public"}

    async def counter(self, name: str, **labels: str) -> float:
        found = await self.samples(name)
        return sum(value for have, value in found if labels.items() <= have.items())

    async def healthy(self) -> bool:
        return (await self.ops.get("/healthz")).status_code == 200

    async def health(self) -> tuple[int, dict[str, Any]]:
        response = await self.ops.get("/healthz")
        body: dict[str, Any] = response.json()
        return response.status_code, body

    async def inject(self, entries: list[str], price: Decimal, *, broadcast_at: Decimal) -> None:
        """Bad frames around ``price`` in place of the next broadcast, which moves the market to
        ``broadcast_at`` (so the market's real price is ``broadcast_at``, whatever the frames say)."""
        plan = {"bad_frames": entries, "bad_frame_price": str(price)}
        (await self.admin.post("/admin/faults", json=plan)).raise_for_status()
        await self.set_price(broadcast_at)
        assert self.sim.faults.bad_frames == (), "the bad frames were not sent: nobody subscribed?"

    async def set_price(self, price: Decimal) -> None:
        body = {"symbol": SYMBOL, "price": str(price)}
        (await self.admin.post("/admin/price", json=body)).raise_for_status()


def audit_events(var_dir: Path, event: str) -> list[dict[str, Any]]:
    lines = (var_dir / "logs" / "audit_events.jsonl").read_text().splitlines()
    return [e for e in map(orjson.loads, lines) if e.get("event") == event]


async def test_bad_frames_of_every_reason_place_no_order_and_a_jump_degrades_health_until_confirmed(
    tmp_path: Path,
) -> None:
    expected = Counter(parse(entry)[1].reason for entry in BAD_FRAMES)
    assert set(expected) == set(MALFORMED_REASONS) - {reasons.INTERNAL}  # every injectable reason
    async with simulator() as sim, running_daemon(env_for(sim, tmp_path, **GUARD_ENV)) as daemon:
        assert daemon.ops is not None
        assert daemon.store is not None
        watched = daemon.strategy
        assert isinstance(watched, WatchedStrategy)
        async with (
            httpx.AsyncClient(base_url=daemon.ops.base_url) as ops,
            httpx.AsyncClient(base_url=sim.urls.base) as admin,
        ):
            bot = Bot(sim, ops, admin)
            await feed(sim, daemon, [BASE, BASE, BASE])  # the strategy's window, flat; the guard's reference
            await eventually(bot.healthy, timeout=15, what="/healthz 200 before the bad frames")

            # 1. Bad frames of every reason, around a price that would make the bot buy.
            await bot.inject(BAD_FRAMES, BAIT, broadcast_at=BASE)

            async def all_taken() -> dict[str, float] | None:
                # One connection delivers in order: once the last frame is counted, every frame was taken.
                refused = await bot.refused()
                return refused if refused[reasons.JSON] else None

            refused = await eventually(all_taken, timeout=10, what="the last bad frame counted in /metrics")
            assert {reason: n for reason, n in refused.items() if n} == {
                r: float(n) for r, n in expected.items()
            }
            # The guard sees each ticker as it is decoded: a believed one would have moved its reference.
            status, body = await bot.health()
            guard = body["price_guard"]
            assert (status, guard["status"], guard["reference"], guard["trips"]) == (200, "ok", str(BASE), 0)
            assert sim.received_orders == []
            assert (await admin.get("/admin/orders")).json() == {"orders": []}
            assert daemon.store.intents() == []
            assert (daemon.state.exposure.long, daemon.state.exposure.short) == (Decimal(0), Decimal(0))
            assert set(watched.seen) == {BASE}
            # The control: the same price in a valid frame, and the bot buys.
            await feed(sim, daemon, [BAIT])
            await eventually(lambda: len(sim.received_orders) == 1, timeout=10, what="the control's order")
            assert sim.received_orders[0]["side"] == "BUY"

            # 2. A valid frame far below: a jump the simulator's own market (still at BAIT) does not confirm.
            tickers_read = await bot.counter(REST_TICKER, path="/v1/ticker")
            await bot.inject(["ticker:valid"], JUMP, broadcast_at=BAIT)
            await eventually(
                lambda: bot.counter("tradingbot_price_guard_trips_total", reason="jump"),
                timeout=10,
                what="the jump tripped the guard",
            )

            # The guard asked the exchange's REST ticker once: it said BAIT, so the jump stays unconfirmed.
            async def rest_read() -> bool:
                return await bot.counter(REST_TICKER, path="/v1/ticker") > tickers_read

            await eventually(rest_read, timeout=10, what="the guard's REST ticker read")
            assert await bot.counter(REST_TICKER, path="/v1/ticker") == tickers_read + 1

            async def degraded() -> dict[str, Any] | None:
                status, body = await bot.health()
                return body if status == 503 and body["price_guard"]["status"] == "divergent" else None

            body = await eventually(degraded, timeout=10, what="/healthz degraded by the unconfirmed jump")
            assert body["monitor_status"] == "degraded"
            assert body["price_guard"]["reason"] == "price_divergence"
            assert (body["price_guard"]["reference"], body["price_guard"]["candidate"]) == (
                str(BAIT),
                str(JUMP),
            )
            assert len(sim.received_orders) == 1  # nothing opened (nor closed) on the unconfirmed price

            # The market really moves there: updates 2 .. N-1 of the run leave it unconfirmed.
            for update in range(2, CONFIRMATIONS):
                await bot.set_price(JUMP)
                # A bad frame after the update, counted only once the update before it was taken.
                before = (await bot.refused())[reasons.JSON]
                await bot.inject(["ticker:truncated"], JUMP, broadcast_at=JUMP)
                taken = functools.partial(_grew, bot, reasons.JSON, before)
                await eventually(taken, timeout=10, what=f"update {update} taken")
                status, body = await bot.health()
                assert (status, body["price_guard"]["status"]) == (503, "divergent"), update
                assert len(sim.received_orders) == 1
            assert set(watched.seen) == {BASE, BAIT}  # the strategy never saw the unconfirmed price

            await bot.set_price(JUMP)  # update N: confirmed

            async def recovered() -> dict[str, Any] | None:
                status, body = await bot.health()
                return body if status == 200 and body["price_guard"]["status"] == "ok" else None

            body = await eventually(recovered, timeout=10, what="/healthz 200 once the price is confirmed")
            assert body["monitor_status"] == "active"
            assert body["price_guard"]["reference"] == str(JUMP)
            # Believed now: fast crosses below slow, the bot sells (closes the long, opens a short).
            await eventually(lambda: len(sim.received_orders) > 1, timeout=10, what="an order on JUMP")
            assert all(order["side"] == "SELL" for order in sim.received_orders[1:])
            assert watched.seen[-1] == JUMP
    confirmed = audit_events(tmp_path, "price_guard_confirmed")
    assert [(e["by"], e["price"]) for e in confirmed] == [("updates", str(JUMP))]  # not by the REST read
    assert [e["reason"] for e in audit_events(tmp_path, "price_guard_trip")] == ["jump"]


async def _grew(bot: Bot, reason: str, before: float) -> bool:
    return (await bot.refused())[reason] > before
