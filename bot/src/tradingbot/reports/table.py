"""Plain-text tables for terminals: columns padded to their widest cell, numbers right-aligned."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def _is_number(text: str) -> bool:
    try:
        Decimal(text.replace(",", "").rstrip("%"))
    except ArithmeticError:
        return False
    return bool(text)


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The table as lines joined by newlines; an empty table is its header and a ``(none)`` line."""
    widths = [len(h) for h in headers]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, the table has {len(headers)} columns: {row!r}")
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    numeric = [bool(rows) and all(_is_number(r[i]) or r[i] == "-" for r in rows) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if num else cell.ljust(w)
            for cell, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows] if rows else ["(none)"]
    return "\n".join(out)


def key_values(pairs: Sequence[tuple[str, str]]) -> str:
    """``name: value`` lines with the names padded, for summaries."""
    width = max((len(k) for k, _ in pairs), default=0)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in pairs)


def jpy(value: Decimal | None) -> str:
    """A JPY amount with thousands separators and its sign, e.g. ``-1,234`` (``-`` when unknown)."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def ratio_percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
