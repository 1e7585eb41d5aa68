"""Figures, the verdict table and the results file."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """One measured figure against its reference and its target.

    ``passed`` is None when the figure is reported without a target (e.g. start-up time).
    """

    bench: str
    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_label: str = ""
    target: str = ""
    passed: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.reference is None or self.reference == 0:
            return None
        return self.value / self.reference

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        return out


def summary(samples: list[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean of a sample list (nearest-rank percentiles)."""
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)
    n = len(ordered)

    def pct(p: float) -> float:
        return ordered[min(n - 1, max(0, round(p / 100 * n + 0.5) - 1))]

    return {
        "n": n,
        "min": ordered[0],
        "p50": pct(50),
        "p90": pct(90),
        "p99": pct(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "reference", "ratio", "target", "verdict")]
    for f in figures:
        ref = "-" if f.reference is None else f"{_fmt(f.reference, f.unit)} ({f.reference_label})"
        ratio = "-" if f.ratio is None else f"{f.ratio:.2f}x"
        verdict = {True: "PASS", False: "FAIL", None: "info"}[f.passed]
        rows.append((f"{f.bench}: {f.name}", _fmt(f.value, f.unit), ref, ratio, f.target or "-", verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(figures: list[Figure]) -> str:
    lines = ["| figure | value | reference | ratio | target | verdict |", "|---|---|---|---|---|---|"]
    for f in figures:
        ref = "-" if f.reference is None else f"{_fmt(f.reference, f.unit)} ({f.reference_label})"
        ratio = "-" if f.ratio is None else f"{f.ratio:.2f}x"
        verdict = {True: "PASS", False: "**FAIL**", None: "info"}[f.passed]
        value = _fmt(f.value, f.unit)
        lines.append(f"| {f.bench}: {f.name} | {value} | {ref} | {ratio} | {f.target or '-'} | {verdict} |")
    return "\n".join(lines)


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version,
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "versions": {
            n: _version(n)
            for n in (
                "tradingbot",
                "tradingbot-operator",
                "orjson",
                "pybotters",
                "httpx",
                "websockets",
                "aiohttp",
                "kopf",
                "kmock",
                "psutil",
            )
        },
    }
    try:
        import psutil  # type: ignore[import-untyped]

        info["memory_total_mb"] = round(psutil.virtual_memory().total / 2**20)
        info["load_avg"] = os.getloadavg()
    except (ImportError, OSError):
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


class RunQueueClock:
    """Nanoseconds this thread spent runnable but waiting for a CPU (/proc/thread-self/schedstat).

    The machine is shared: another process holding the CPU shows up as milliseconds in any wall-clock
    sample. Subtracting the run-queue wait of the same interval leaves CPU + I/O time, which is what a
    figure about our code or our disk means. Zero when the kernel does not expose schedstat.
    """

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None

    def __call__(self) -> int:
        if self._fd is None:
            return 0
        return int(os.pread(self._fd, 128, 0).split()[1])

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
