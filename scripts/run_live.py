#!/usr/bin/env python3
"""Thin entry the ops guide calls (`python scripts/run_live.py`): runs the bot daemon.

Works from the repository root without installing the package (it puts bot/src on the path when
`tradingbot` is not importable) and with the package installed. Extra arguments are ignored so that
`python scripts/run_live.py` stays the whole command.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import tradingbot  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bot" / "src"))

from tradingbot.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["run"]))
