"""Read-only queries on the engine's SQLite store (schema: :mod:`tradingbot.engine.store`).

A separate module rather than methods on the engine's ``StateStore`` so that reading never shares the
engine's connection or takes a write lock: the file is opened with ``mode=ro`` (WAL readers do not block
the writer), and a command run beside a live bot cannot change its ledger. The column names are the
store's; only ``intents`` and ``executions`` are read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tradingbot import layout
from tradingbot.reports.ledger import Fill

STATE_FILES = layout.STATE_DBS
"""The store's file names under ``<var_dir>/state``: the exchange ledger, and the embedded paper session's."""

# Intents whose order may still rest on the exchange: not yet known to be done. ``confirmed`` stays until
# the engine marks it closed, so an order counts as open only while its fills do not cover its size.
_MAYBE_OPEN = ("pending", "unresolved", "confirmed")


class StoreUnavailableError(Exception):
    """The store file is missing or not a readable trading store."""


@dataclass(frozen=True, slots=True)
class IntentRow:
    id: int
    symbol: str
    side: str
    action: str
    execution_type: str
    size: Decimal
    price: Decimal | None
    reason: str
    state: str
    exchange_order_id: int | None
    detail: str
    created_at: datetime
    executed: Decimal  # sum of our recorded fills of this order


def default_store(var_dir: Path) -> Path | None:
    """The most recently written store under ``var_dir/state`` (None when there is none)."""
    found = [p for p in (var_dir / layout.STATE_DIR / name for name in STATE_FILES) if p.is_file()]
    if not found:
        return None

    def written(path: Path) -> float:
        wal = Path(f"{path}-wal")
        return max(path.stat().st_mtime, wal.stat().st_mtime if wal.exists() else 0.0)

    return max(found, key=written)


@contextmanager
def open_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    if not path.is_file():
        raise StoreUnavailableError(f"no trading store at {path}")
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        raise StoreUnavailableError(f"cannot open {path} read-only: {exc}") from exc
    with closing(db):
        try:
            db.execute("SELECT 1 FROM executions LIMIT 1")
            db.execute("SELECT 1 FROM intents LIMIT 1")
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"{path} is not a trading store ({exc})") from exc
        yield db


def _where(since: datetime | None, symbol: str | None) -> tuple[str, list[str]]:
    where, args = [], []
    if since is not None:
        # The store writes UTC ISO-8601 with microseconds, so text order is time order.
        where.append("timestamp >= ?")
        args.append(since.astimezone(UTC).isoformat(timespec="microseconds"))
    if symbol is not None:
        where.append("symbol = ?")
        args.append(symbol)
    return (" WHERE " + " AND ".join(where)) if where else "", args


def fills(
    db: sqlite3.Connection,
    *,
    since: datetime | None = None,
    symbol: str | None = None,
    last: int | None = None,
) -> list[Fill]:
    """Fills in time order; ``last``: only the newest ``last`` of them (still in time order)."""
    where, args = _where(since, symbol)
    # `where` is built from fixed fragments only; the values travel as parameters.
    columns = "execution_id, order_id, timestamp, symbol, side, settle_type, size, price, loss_gain, fee"
    sql = f"SELECT {columns} FROM executions{where}"  # noqa: S608
    if last is None:
        sql += " ORDER BY timestamp, execution_id"
    else:
        sql += " ORDER BY timestamp DESC, execution_id DESC LIMIT ?"
        args.append(str(last))
    rows = db.execute(sql, args).fetchall()
    if last is not None:
        rows.reverse()
    return [
        Fill(
            execution_id=int(eid),
            order_id=int(oid),
            at=datetime.fromisoformat(ts),
            symbol=sym,
            side=side,
            settle_type=settle,
            size=Decimal(size),
            price=Decimal(price),
            loss_gain=Decimal(lg),
            fee=Decimal(fee),
        )
        for eid, oid, ts, sym, side, settle, size, price, lg, fee in rows
    ]


def fills_version(
    db: sqlite3.Connection, *, since: datetime | None = None, symbol: str | None = None
) -> tuple[int, int]:
    """(count, largest execution id) of the matching fills: changes whenever a fill is added."""
    where, args = _where(since, symbol)
    sql = f"SELECT COUNT(*), MAX(execution_id) FROM executions{where}"  # noqa: S608
    count, top = db.execute(sql, args).fetchone()
    return int(count), int(top or 0)


_INTENT_COLUMNS = (
    "i.id, i.symbol, i.side, i.action, i.execution_type, i.size, i.price, i.reason, i.state,"
    " i.exchange_order_id, i.detail, i.created_at,"
    " (SELECT group_concat(e.size, ' ') FROM executions e WHERE e.order_id = i.exchange_order_id)"
)


def _intent(row: tuple[object, ...]) -> IntentRow:
    iid, sym, side, action, etype, size, price, reason, state, oid, detail, created, executed = row
    return IntentRow(
        id=int(str(iid)), symbol=str(sym), side=str(side), action=str(action), execution_type=str(etype),
        size=Decimal(str(size)), price=None if price is None else Decimal(str(price)), reason=str(reason),
        state=str(state), exchange_order_id=None if oid is None else int(str(oid)), detail=str(detail),
        created_at=datetime.fromisoformat(str(created)),
        # Summed in Python: SQLite's SUM would turn the Decimal text into floats.
        executed=sum((Decimal(s) for s in str(executed).split()), Decimal(0)) if executed else Decimal(0),
    )  # fmt: skip


def recent_intents(db: sqlite3.Connection, limit: int) -> list[IntentRow]:
    """The last ``limit`` order intents (decisions that reached the order manager), newest first."""
    rows = db.execute(
        f"SELECT {_INTENT_COLUMNS} FROM intents i ORDER BY i.id DESC LIMIT ?",  # noqa: S608
        (limit,),
    ).fetchall()
    return [_intent(r) for r in rows]


def open_intents(db: sqlite3.Connection) -> list[IntentRow]:
    """Intents not known to be finished: pending/unresolved, or confirmed with fills short of the size."""
    marks = ",".join("?" for _ in _MAYBE_OPEN)
    rows = db.execute(
        f"SELECT {_INTENT_COLUMNS} FROM intents i WHERE i.state IN ({marks}) ORDER BY i.id",  # noqa: S608
        _MAYBE_OPEN,
    ).fetchall()
    intents = [_intent(r) for r in rows]
    return [i for i in intents if i.state != "confirmed" or i.executed < i.size]
