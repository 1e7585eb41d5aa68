"""``tradingbot trades``: the fills in the store, with realised P&L, fees, win rate and maximum drawdown.

Reads the store read-only (safe beside a running bot). ``--since`` takes an ISO date or time (UTC when no
offset is given) or a relative age such as ``30m``, ``12h`` or ``7d``. Formats: ``table`` for people,
``json`` (one document: ``summary`` + ``fills``) and ``csv`` (one row per fill) for machines.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tradingbot.reports import ledger, store_reader, table
from tradingbot.reports.ledger import Fill, TradeStats

FORMATS = ("table", "json", "csv")
_AGE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
CSV_COLUMNS = (
    "time", "execution_id", "order_id", "symbol", "side", "settle_type", "size", "price", "loss_gain",
    "fee", "net", "cumulative_net",
)  # fmt: skip


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """An aware UTC datetime from ``2026-12-01``, ``2026-12-01T09:00+09:00`` or an age like ``12h``."""
    value = text.strip()
    age = _AGE.match(value)
    if age:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--since {text!r} is not a time; accepted: an ISO date/time such as 2026-12-01 or "
            "2026-12-01T09:00+09:00 (UTC when no offset), or an age such as 30m, 12h, 7d"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def render_table(fills: Sequence[Fill], summary: TradeStats) -> str:
    running = ledger.ZERO
    rows = []
    for f in fills:
        running += f.net
        rows.append([
            f.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), str(f.order_id), f.side, f.settle_type,
            str(f.size), table.jpy(f.price), table.jpy(f.loss_gain) if f.is_close else "-", table.jpy(f.fee),
            table.jpy(running),
        ])  # fmt: skip
    headers = ["time (UTC)", "order", "side", "settle", "size", "price", "P&L", "fee", "cum. net"]
    return table.render(headers, rows) + "\n\n" + summary_text(summary)


def summary_text(summary: TradeStats) -> str:
    return table.key_values([
        ("fills", str(summary.fills)),
        ("closing trades", f"{summary.trades} ({summary.wins} won, {summary.losses} lost)"),
        ("win rate", table.ratio_percent(summary.win_rate)),
        ("realised P&L (JPY)", table.jpy(summary.realised_pnl)),
        ("fees (JPY)", table.jpy(summary.fees)),
        ("net P&L (JPY)", table.jpy(summary.net_pnl)),
        ("max drawdown (JPY)", table.jpy(summary.max_drawdown)),
    ])  # fmt: skip


def render_json(fills: Sequence[Fill], summary: TradeStats, source: Path) -> str:
    doc: dict[str, Any] = {
        "store": str(source),
        "summary": summary.to_json(),
        "fills": [
            {
                "time": f.at.isoformat(),
                "execution_id": f.execution_id,
                "order_id": f.order_id,
                "symbol": f.symbol,
                "side": f.side,
                "settle_type": f.settle_type,
                "size": str(f.size),
                "price": str(f.price),
                "loss_gain": str(f.loss_gain),
                "fee": str(f.fee),
            }
            for f in fills
        ],
    }
    return json.dumps(doc, indent=2)


def render_csv(fills: Sequence[Fill]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    running = ledger.ZERO
    for f in fills:
        running += f.net
        writer.writerow([
            f.at.isoformat(), f.execution_id, f.order_id, f.symbol, f.side, f.settle_type, f.size, f.price,
            f.loss_gain, f.fee, f.net, running,
        ])  # fmt: skip
    return out.getvalue()


def run(var_dir: Path, *, db: Path | None, since: datetime | None, fmt: str, symbol: str | None) -> int:
    source = db or store_reader.default_store(var_dir)
    if source is None:
        print(
            f"trades: no trading store under {var_dir / 'state'} (looked for "
            f"{', '.join(store_reader.STATE_FILES)}); run the bot first (make run) or pass --db FILE",
            file=sys.stderr,
        )
        return 1
    try:
        with store_reader.open_readonly(source) as conn:
            fills = store_reader.fills(conn, since=since, symbol=symbol)
    except store_reader.StoreUnavailableError as exc:
        print(f"trades: {exc}", file=sys.stderr)
        return 1
    summary = ledger.stats(fills)
    if fmt == "json":
        print(render_json(fills, summary, source))
    elif fmt == "csv":
        sys.stdout.write(render_csv(fills))
    else:
        print(f"store: {source}" + (f" (since {since.isoformat()})" if since else ""))
        print(render_table(fills, summary))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "trades", help="fills, realised P&L, fees, win rate and max drawdown from the store (read-only)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--since", type=parse_since, help="ISO date/time (UTC default) or age: 30m, 12h, 7d")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--symbol", help="only this symbol (default: all)")
    parser.add_argument("--db", type=Path, help="store file (default: the newest under <var_dir>/state)")
    parser.add_argument("--var-dir", type=Path, help="default: TRADINGBOT_VAR_DIR or ./var")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from tradingbot.toolkit.settings import load_toolkit_settings

    var_dir: Path = args.var_dir or load_toolkit_settings(Path.cwd()).var_dir
    return run(var_dir, db=args.db, since=args.since, fmt=args.format, symbol=args.symbol)
