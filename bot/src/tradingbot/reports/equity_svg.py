"""An equity-curve picture as a self-contained SVG, written by hand (no plotting dependency).

Long curves are thinned to at most ``MAX_POINTS`` by keeping each bucket's lowest and highest point in
time order, so peaks and troughs (the drawdown a reader looks for) survive the thinning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

MAX_POINTS = 2000
WIDTH, HEIGHT = 960, 400
LEFT, RIGHT, TOP, BOTTOM = 96, 24, 64, 48


@dataclass(frozen=True, slots=True)
class Marker:
    at: datetime
    value: Decimal
    good: bool  # a winning close (green) or a losing one (red)


def thin(
    points: Sequence[tuple[datetime, Decimal]], limit: int = MAX_POINTS
) -> list[tuple[datetime, Decimal]]:
    if len(points) <= limit:
        return list(points)
    per = -(-len(points) // (limit // 2))  # ceil: two points kept per bucket
    kept: list[tuple[datetime, Decimal]] = []
    for i in range(0, len(points), per):
        bucket = points[i : i + per]
        lo = min(range(len(bucket)), key=lambda k: bucket[k][1])
        hi = max(range(len(bucket)), key=lambda k: bucket[k][1])
        kept += [bucket[k] for k in sorted({lo, hi})]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = -(-lo // step) * step
    ticks, value = [], first
    while value <= hi + step * 1e-9:
        ticks.append(value)
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def render(
    points: Sequence[tuple[datetime, Decimal]],
    *,
    title: str,
    subtitle: str = "",
    markers: Sequence[Marker] = (),
    baseline: Decimal | None = None,
) -> str:
    """The SVG document; ``baseline`` (e.g. the starting equity) is drawn as a dashed line."""
    if not points:
        raise ValueError("an equity curve needs at least one point; the replay produced none")
    data = thin(points)
    t0, t1 = data[0][0].timestamp(), data[-1][0].timestamp()
    values = [float(v) for _, v in data] + [float(m.value) for m in markers]
    if baseline is not None:
        values.append(float(baseline))
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.001, 1.0)
    lo, hi = lo - pad, hi + pad
    span_t = (t1 - t0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + (at.timestamp() - t0) / span_t * plot_w

    def y(value: float) -> float:
        return TOP + (hi - value) / (hi - lo) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="system-ui, sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" font-size="16" font-weight="600" fill="#1d2330">{escape(title)}</text>',
        f'<text x="{LEFT}" y="44" fill="#6b7280">{escape(subtitle)}</text>',
    ]
    for tick in _nice_ticks(lo, hi):
        ty = y(tick)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#eef0f3"/>')
        out.append(
            f'<text x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end" fill="#6b7280">{_label(tick)}</text>'
        )
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        tx = LEFT + frac * plot_w
        moment = datetime.fromtimestamp(t0 + frac * span_t, UTC)
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        out.append(
            f'<text x="{tx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" fill="#6b7280">'
            f"{moment:%H:%M:%S}</text>"
        )
    out.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 10}" text-anchor="end" fill="#6b7280">'
        f"time (UTC) {datetime.fromtimestamp(t0, UTC):%Y-%m-%d}</text>"
    )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#d5d9e0"/>'
    )
    if baseline is not None:
        by = y(float(baseline))
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{by:.1f}" y2="{by:.1f}" stroke="#9aa3af" '
            'stroke-dasharray="5 4"/>'
        )
    path = " ".join(f"{x(at):.1f},{y(float(v)):.1f}" for at, v in data)
    out.append(f'<polyline points="{path}" fill="none" stroke="#1f4f99" stroke-width="1.8"/>')
    for m in markers:
        colour = "#16794c" if m.good else "#b42318"
        out.append(f'<circle cx="{x(m.at):.1f}" cy="{y(float(m.value)):.1f}" r="2.6" fill="{colour}"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
