#!/usr/bin/env python3
"""Thin entry the ops guide calls (`python scripts/run_live.py`): runs the bot daemon.

Works from a fresh clone with whichever `python`/`python3` is first on PATH: when the repository's
`.venv` exists and this is not its interpreter, it re-executes itself with `.venv/bin/python`; when there is
no usable environment it says to run `make setup` instead of failing on a missing module. It puts bot/src
on the path when `tradingbot` is not installed. Extra arguments are ignored so that
`python scripts/run_live.py` stays the whole command.

Kept to syntax that old Python 3 versions can parse, so that they reach the message.
"""

import os
import sys
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
EXIT_CONFIG = 2
RUNTIME_MODULES = (
    "httpx",
    "websockets",
    "aiohttp",
    "pydantic",
    "pydantic_settings",
    "prometheus_client",
    "orjson",
)


def _in_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def _fail(why: str) -> NoReturn:
    sys.stderr.write(
        "scripts/run_live.py: " + why + "\n"
        "  create the environment once with `make setup` (needs python3.11; `make` says how to get it),\n"
        "  then run `python scripts/run_live.py` again: it uses .venv/bin/python by itself.\n"
    )
    sys.exit(EXIT_CONFIG)


def _reexec_into_venv() -> None:
    if _in_venv() or not os.access(str(VENV_PYTHON), os.X_OK):
        return
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve())])  # noqa: S606 - our own venv


def main() -> int:
    _reexec_into_venv()
    if sys.version_info[:2] != (3, 11):
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        _fail(f"the bot needs Python 3.11; this is {version} ({sys.executable}) and there is no .venv")
    try:
        import tradingbot  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / "bot" / "src"))
    try:
        # The CLI imports lazily, so ask for the runtime dependencies (bot/pyproject.toml) up front.
        for module in RUNTIME_MODULES:
            __import__(module)
        from tradingbot.cli import main as cli_main
    except ImportError as exc:
        _fail(f"the bot's dependencies are not installed for {sys.executable} ({exc})")
    return int(cli_main(["run"]))


if __name__ == "__main__":
    raise SystemExit(main())
