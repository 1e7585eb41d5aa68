"""What ``tradingbot replay`` shows a person: trades, P&L, maximum drawdown, win rate, fees, a picture.

:class:`ReplayTape` is the replay's observer: it records each paper fill with the realised P&L it
booked, and the equity after every ticker. From the tape come the statistics (:func:`summarise`), the
text table (:func:`render_text`) and the equity-curve SVG. The replay's paper ledger fills at the mid
price without fees, so fees are 0 by construction and said so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradingbot.ops.atomicfile import write_bytes_atomic
from tradingbot.reports import equity_svg, table
from tradingbot.reports.ledger import ZERO, max_drawdown


@dataclass(frozen=True, slots=True)
class TapeFill:
    at: datetime
    side: str
    action: str
    size: Decimal
    price: Decimal
    realised: Decimal  # booked by this fill (0 for an open)


@dataclass
class ReplayTape:
    fills: list[TapeFill] = field(default_factory=list)
    equity: list[tuple[datetime, Decimal]] = field(default_factory=list)

    def on_fill(
        self, at: datetime, side: str, action: str, size: Decimal, price: Decimal, realised: Decimal
    ) -> None:
        self.fills.append(TapeFill(at, side, action, size, price, realised))

    def on_mark(self, at: datetime, equity: Decimal) -> None:
        self.equity.append((at, equity))


@dataclass(frozen=True, slots=True)
class ReplayStats:
    fills: int
    trades: int
    wins: int
    losses: int
    realised_pnl: Decimal
    fees: Decimal
    final_pnl: Decimal  # final equity - initial (realised + unrealised)
    max_drawdown_jpy: Decimal
    max_drawdown_ratio: Decimal

    @property
    def win_rate(self) -> Decimal | None:
        return None if self.trades == 0 else Decimal(self.wins) / Decimal(self.trades)

    def to_json(self) -> dict[str, Any]:
        rate = self.win_rate
        return {
            "fills": self.fills, "trades": self.trades, "wins": self.wins, "losses": self.losses,
            "win_rate": None if rate is None else str(rate.quantize(Decimal("0.0001"))),
            "realised_pnl_jpy": str(self.realised_pnl), "fees_jpy": str(self.fees),
            "final_pnl_jpy": str(self.final_pnl), "max_drawdown_jpy": str(self.max_drawdown_jpy),
            "max_drawdown_ratio": str(self.max_drawdown_ratio.quantize(Decimal("0.000001"))),
        }  # fmt: skip


def summarise(tape: ReplayTape, initial_equity: Decimal) -> ReplayStats:
    closes = [f for f in tape.fills if f.action == "close"]
    curve = [v for _, v in tape.equity]
    peak, worst_ratio = initial_equity, ZERO
    for value in curve:
        peak = max(peak, value)
        if peak > 0:
            worst_ratio = max(worst_ratio, (peak - value) / peak)
    return ReplayStats(
        fills=len(tape.fills),
        trades=len(closes),
        wins=sum(1 for f in closes if f.realised > 0),
        losses=sum(1 for f in closes if f.realised < 0),
        realised_pnl=sum((f.realised for f in closes), ZERO),
        fees=ZERO,
        final_pnl=(curve[-1] - initial_equity) if curve else ZERO,
        max_drawdown_jpy=max_drawdown(curve, start=initial_equity),
        max_drawdown_ratio=worst_ratio,
    )


def render_text(stats: ReplayStats, tape: ReplayTape, *, source: str, last: int = 10) -> str:
    ratio = f"{stats.max_drawdown_ratio * 100:.3f}%"
    head = table.key_values([
        ("input", source),
        ("fills", f"{stats.fills} ({stats.trades} closing trades: {stats.wins} won, {stats.losses} lost)"),
        ("win rate", table.ratio_percent(stats.win_rate)),
        ("realised P&L (JPY)", table.jpy(stats.realised_pnl)),
        ("final P&L (JPY)", f"{table.jpy(stats.final_pnl)} (realised + open position at the last price)"),
        ("fees (JPY)", f"{table.jpy(stats.fees)} (the replay fills at mid without fees)"),
        ("max drawdown", f"{table.jpy(stats.max_drawdown_jpy)} JPY ({ratio} of the equity peak)"),
    ])  # fmt: skip
    rows = [
        [f.at.strftime("%H:%M:%S.%f")[:-3], f.side, f.action, str(f.size), table.jpy(f.price),
         table.jpy(f.realised) if f.action == "close" else "-"]
        for f in tape.fills[-last:]
    ]  # fmt: skip
    trades = table.render(["time (UTC)", "side", "action", "size", "price", "P&L"], rows)
    return f"{head}\n\nlast {min(last, len(tape.fills))} fills\n{trades}"


def write_outputs(
    json_path: Path, stats: ReplayStats, tape: ReplayTape, *, summary: dict[str, Any], initial_equity: Decimal
) -> tuple[Path, Path | None]:
    """Beside the summary JSON (which stays exactly the comparable summary, so it can serve as an
    ``--expect`` file): ``<stem>.report.json`` with the statistics and ``<stem>.svg``, the equity curve.

    Returns (report path, svg path or None when the replay saw no ticker to draw).
    """
    report_path = json_path.with_name(json_path.stem + ".report.json")
    fills = [
        {"at": f.at.isoformat(), "side": f.side, "action": f.action, "size": str(f.size),
         "price": str(f.price), "realised_pnl_jpy": str(f.realised)}
        for f in tape.fills
    ]  # fmt: skip
    doc = {"report": stats.to_json(), "fills": fills}
    write_bytes_atomic(report_path, (json.dumps(doc, indent=2) + "\n").encode())
    if not tape.equity:
        return report_path, None
    svg_path = json_path.with_suffix(".svg")
    markers = []
    by_time = dict(tape.equity)
    for f in tape.fills:
        if f.action == "close" and f.at in by_time:
            markers.append(equity_svg.Marker(f.at, by_time[f.at], f.realised > 0))
    win = table.ratio_percent(stats.win_rate)
    svg = equity_svg.render(
        tape.equity,
        title=f"Replay equity: {summary.get('symbol', '')} {summary.get('strategy', '')}".strip(),
        subtitle=(
            f"{stats.trades} trades, win rate {win}, final P&L {table.jpy(stats.final_pnl)} JPY, "
            f"max drawdown {table.jpy(stats.max_drawdown_jpy)} JPY; "
            "dots: closing trades (green won, red lost)"
        ),
        markers=markers,
        baseline=initial_equity,
    )
    write_bytes_atomic(svg_path, svg.encode())
    return report_path, svg_path
