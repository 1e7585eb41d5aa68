"""The lines a person reads: each order step, the status line, the stop summary (docs/operations.md).

Pure text builders; the parts log them at INFO on the ``tradingbot.trading`` logger (WARNING where a person
should act), through the process's logging set-up (readable text on a terminal, JSON otherwise). The
machine-readable record of the same steps is the audit log; these lines are for reading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from tradingbot.engine.store import RunTotals, StoredIntent

LOGGER = logging.getLogger("tradingbot.trading")
"""One logger for every line of this module, so ``logger=tradingbot.trading`` finds them all."""


def jpy(value: Decimal | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}"
    return f"+{text}" if signed and value > 0 else text


def size(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text or text != "0" else "0"


def _why(reason: str) -> str:
    return f" (why: {reason})" if reason else ""


def order_of(intent: StoredIntent) -> str:
    """``BUY 0.01 BTC_JPY MARKET open`` (+ `` @ 15,000,000`` for a limit)."""
    price = "" if intent.price is None else f" @ {jpy(intent.price)}"
    return f"{intent.side} {size(intent.size)} {intent.symbol} {intent.execution_type} {intent.action}{price}"


def sent(intent: StoredIntent) -> str:
    return f"order sent: {order_of(intent)} [intent {intent.id}]{_why(intent.reason)}"


def confirmed(intent: StoredIntent, order_id: int | None) -> str:
    return f"order confirmed: #{order_id} {order_of(intent)}{_why(intent.reason)}"


def not_placed(what: str, because: str, reason: str) -> str:
    return f"order not placed: {what}: {because}{_why(reason)}"


def unknown(intent: StoredIntent, detail: str) -> str:
    return (
        f"order outcome unknown: {order_of(intent)} [intent {intent.id}]: {detail}; "
        "resolving from the exchange's records, no new order until then"
    )


def filled(
    intent: StoredIntent | None,
    *,
    order_id: int,
    side: str,
    fill_size: Decimal,
    price: Decimal,
    fee: Decimal,
    loss_gain: Decimal,
    settle_type: str,
) -> str:
    pnl = f" realised {jpy(loss_gain, signed=True)} JPY" if settle_type == "CLOSE" else ""
    why = _why(intent.reason) if intent is not None else ""
    return (
        f"order filled: #{order_id} {side} {size(fill_size)} {settle_type.lower()} @ {jpy(price)}"
        f" fee {jpy(fee)} JPY{pnl}{why}"
    )


def finished(intent: StoredIntent, status: str) -> str:
    """``closed`` reached: EXECUTED (filled in full), CANCELED or EXPIRED."""
    verb = {"EXECUTED": "done", "CANCELED": "cancelled", "EXPIRED": "expired"}.get(status, status.lower())
    return f"order {verb}: #{intent.exchange_order_id} {order_of(intent)} ({status}){_why(intent.reason)}"


@dataclass(frozen=True, slots=True)
class StatusFigures:
    symbol: str
    long: Decimal
    short: Decimal
    average_price: Decimal | None
    unrealised: Decimal | None
    day_pnl: Decimal | None
    equity: Decimal | None
    risk: str
    risk_reasons: tuple[str, ...]
    paused: bool
    monitor_status: str


def position(symbol: str, long: Decimal, short: Decimal) -> str:
    if not long and not short:
        return f"flat {symbol}"
    parts = [f"long {size(long)}" if long else "", f"short {size(short)}" if short else ""]
    return " / ".join(p for p in parts if p) + f" {symbol}"


def status_line(f: StatusFigures) -> str:
    avg = "" if f.average_price is None else f" avg {jpy(f.average_price)}"
    risk = f.risk + (f" {list(f.risk_reasons)}" if f.risk_reasons else "")
    paused = ", PAUSED (no new positions)" if f.paused else ""
    return (
        f"status: {position(f.symbol, f.long, f.short)}{avg}; unrealised {jpy(f.unrealised, signed=True)}"
        f" JPY, day P&L {jpy(f.day_pnl, signed=True)} JPY, equity {jpy(f.equity)} JPY; risk {risk};"
        f" {f.monitor_status}{paused}"
    )


def summary(totals: RunTotals, symbol: str, long: Decimal, short: Decimal, known: bool) -> str:
    left = position(symbol, long, short) if known else "unknown (the exchange could not be read)"
    return (
        f"summary: {totals.orders} orders, {totals.fills} fills, realised {jpy(totals.realised, signed=True)}"
        f" JPY, fees {jpy(totals.fees)} JPY, net {jpy(totals.realised - totals.fees, signed=True)} JPY;"
        f" position left: {left}"
    )


def position_left_warning(symbol: str, long: Decimal, short: Decimal) -> str:
    return (
        f"position left OPEN at stop: {position(symbol, long, short)}. It stays open on the exchange and"
        " moves with the market; close it with `tradingbot flatten` while the bot runs, or on the exchange"
    )
