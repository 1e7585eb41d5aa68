"""make flake: run the `make test` selection K times beside CPU-burning processes and report every test
that failed at least once, with its failure.

A test that fails once in five loaded runs makes the seed's go/no-go gate say NO-GO for nothing, and an
operator who sees that learns to ignore the gate. So a flaky test is a bug to fix at its cause (a product
race, or a wait on the wrong condition), never by retrying it. This tool only finds them.

    FLAKE_RUNS=5 FLAKE_BURNERS=2 python scripts/flake.py -m "<marker expression>" [pytest args...]

Exit status: 0 when every run passed, 1 when any test failed in any run, 2 on bad settings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

BURN = "while True: pass"


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isascii() or not raw.isdigit() or int(raw) < 0 or (name == "FLAKE_RUNS" and int(raw) < 1):
        low = 1 if name == "FLAKE_RUNS" else 0
        print(f"flake: {name}={raw!r} is not accepted: a whole number >= {low}", file=sys.stderr)
        sys.exit(2)
    return int(raw)


def _failures(junit: Path) -> dict[str, str]:
    """Test id -> first lines of its failure or error, from one run's junit file."""
    found: dict[str, str] = {}
    if not junit.exists():
        return {"<session>": "pytest wrote no junit report (crashed or was killed)"}
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - our own file
        for kind in ("failure", "error"):
            node = case.find(kind)
            if node is not None:
                name = f"{case.get('classname', '')}::{case.get('name', '')}"
                text = (node.get("message") or node.text or kind).strip().splitlines()
                found[name] = " | ".join(text[:3])[:400]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-m", "--markers", required=True, help="the make-test marker expression")
    args, pytest_args = parser.parse_known_args()
    runs = _positive("FLAKE_RUNS", 5)
    burners = _positive("FLAKE_BURNERS", 2)
    failed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    durations: list[float] = []
    burn = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(burners)]  # noqa: S603
    print(f"flake: {runs} runs of the make-test selection beside {burners} CPU-burning processes", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="flake-") as tmp:
            for run in range(1, runs + 1):
                junit = Path(tmp) / f"run{run}.xml"
                started = time.monotonic()
                code = subprocess.call(  # noqa: S603
                    [sys.executable, "-m", "pytest", "-m", args.markers, "-p", "no:cacheprovider", "-q",
                     f"--junitxml={junit}", *pytest_args],
                )  # fmt: skip
                durations.append(time.monotonic() - started)
                fails = _failures(junit)
                if code != 0 and not fails:
                    fails = {"<session>": f"pytest exited {code} without a failing test"}
                for name, text in fails.items():
                    failed[name].append((run, text))
                took = durations[-1]
                print(f"flake: run {run}/{runs}: exit {code}, {len(fails)} failed, {took:.0f} s", flush=True)
    finally:
        for proc in burn:
            proc.kill()
            proc.wait()
    print(f"flake: {runs} runs, {burners} burners, {sum(durations):.0f} s in all")
    if not failed:
        print("flake: 0 tests failed in any run")
        return 0
    print(f"flake: {len(failed)} tests failed at least once:")
    for name, seen in sorted(failed.items()):
        print(f"  {name}: failed in {len(seen)} of {runs} runs")
        for run, text in seen:
            print(f"    run {run}: {text}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
