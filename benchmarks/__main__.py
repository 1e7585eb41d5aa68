"""`python -m benchmarks [name ...]`: run the benchmarks, print the verdict table, write the results file.

Exit status: 0 when every figure with a target passes, 1 when one fails, 2 when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.report import Figure, machine, table

# name on the command line -> module under benchmarks/
BENCHES = {
    "decode": "decode",
    "latency": "latency",
    "durability": "durability",
    "memory": "memory",
    "operator": "operator_bench",
    "startup": "startup",
}
RESULTS = Path(__file__).parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name",
                        help=f"benchmarks to run (default: all): {', '.join(BENCHES)}")  # fmt: skip
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/<date>.json")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHES)}")
    names = args.names or list(BENCHES)
    figures: list[Figure] = []
    crashed: dict[str, str] = {}
    timings: dict[str, float] = {}
    started_at = datetime.now(UTC)
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(f"benchmarks.{BENCHES[name]}")
            figures.extend(module.run())
        except Exception:
            crashed[name] = traceback.format_exc()
            print(f"bench: {name} crashed:\n{crashed[name]}", file=sys.stderr)
        timings[name] = round(time.monotonic() - started, 1)
        print(f"bench: {name} done in {timings[name]} s", file=sys.stderr, flush=True)
    print(table(figures))
    failed = [f"{f.bench}: {f.name}" for f in figures if f.passed is False]
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        stamp = started_at.strftime("%Y-%m-%dT%H%M%SZ")
        out = RESULTS / f"{stamp}.json"
        payload = {
            "started_at": started_at.isoformat(),
            "benchmarks": names,
            "seconds": timings,
            "machine": machine(),
            "figures": [f.as_json() for f in figures],
            "failed": failed,
            "crashed": crashed,
        }
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(out)
        print(f"bench: results written to {out}", file=sys.stderr)
    if crashed:
        print(f"bench: crashed: {', '.join(crashed)}", file=sys.stderr)
        return 2
    if failed:
        print(f"bench: targets missed: {'; '.join(failed)}", file=sys.stderr)
        return 1
    print("bench: every target met", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
