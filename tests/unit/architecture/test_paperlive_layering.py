"""`tradingbot.paperlive` is composition-level glue (docs/architecture.md, departures): like `app.py` it may
see a venue and the simulator, but never the engine, the CLI or the toolkit, and nothing but `app.py`
imports it."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[3] / "bot" / "src" / "tradingbot"
FORBIDDEN = ("tradingbot.engine", "tradingbot.app", "tradingbot.cli", "tradingbot.toolkit")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_paperlive_imports_no_engine() -> None:
    bad = sorted(m for m in _imports(BOT / "paperlive.py") if m.startswith(FORBIDDEN))
    assert bad == [], f"paperlive.py imports {bad}; it may use venues and sim only"


def test_only_the_composition_root_imports_paperlive() -> None:
    users = sorted(
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if path.name != "paperlive.py" and "tradingbot.paperlive" in _imports(path)
    )
    assert users == ["app.py"]
