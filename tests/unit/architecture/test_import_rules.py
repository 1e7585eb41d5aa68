"""The import rules of docs/architecture.md ("Ports and import rules"), checked on the source's AST.

Every ``import``/``from ... import`` counts, wherever it stands (module level, inside a function, under
``TYPE_CHECKING``); relative imports are resolved. A failure names the file, the line and the rule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BOT = ROOT / "bot" / "src" / "tradingbot"
OPERATOR = ROOT / "operator" / "src" / "tradingbot_operator"

IO_MODULES = frozenset(
    {
        "aiohttp", "asyncio", "glob", "http", "httpx", "io", "os", "pathlib", "requests", "select",
        "shutil", "socket", "sqlite3", "ssl", "subprocess", "tempfile", "threading", "time", "urllib",
        "websockets",
    }
)  # fmt: skip
"""Modules that do I/O or read the clock: the pure layers import none of them."""

LAYERS_ABOVE_RISK = (
    "tradingbot.engine",
    "tradingbot.venues",
    "tradingbot.ops",
    "tradingbot.sim",
    "tradingbot.app",
    "tradingbot.cli",
    "tradingbot.toolkit",
    "tradingbot.config",
)

CLOCK_CALLS = frozenset({"now", "utcnow", "today", "time", "monotonic", "perf_counter"})


@dataclass(frozen=True)
class Rule:
    name: str
    files: tuple[Path, ...]
    forbidden: tuple[str, ...]  # module prefixes ("tradingbot.engine" forbids it and its submodules)
    allowed: tuple[str, ...] = ()  # exceptions to the forbidden prefixes

    def violates(self, module: str) -> bool:
        def under(prefix: str) -> bool:
            return module == prefix or module.startswith(prefix + ".")

        return any(under(p) for p in self.forbidden) and not any(under(a) for a in self.allowed)


def _py(*parts: str, root: Path = BOT) -> tuple[Path, ...]:
    found: list[Path] = []
    for part in parts:
        path = root / part
        found += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return tuple(found)


RULES = (
    Rule(
        "risk and strategy are pure: no I/O module, nothing of the engine, the venues, ops or the app",
        _py("risk", "strategy"),
        (*sorted(IO_MODULES), *LAYERS_ABOVE_RISK),
    ),
    Rule(
        "venues import nothing of the engine (they implement its ports from tradingbot.exchange)",
        _py("venues"),
        ("tradingbot.engine", "tradingbot.app", "tradingbot.cli", "tradingbot.toolkit", "tradingbot.sim"),
    ),
    Rule(
        "the engine imports no simulator and no concrete venue (only the ports)",
        _py("engine"),
        ("tradingbot.sim", "tradingbot.venues", "tradingbot.app", "tradingbot.cli", "tradingbot.toolkit"),
    ),
    Rule(
        "the neutral exchange records and ports import nothing of the project but marketdata",
        _py("exchange"),
        ("tradingbot",),
        allowed=("tradingbot.exchange", "tradingbot.marketdata"),
    ),
    Rule(
        "marketdata imports nothing of the project",
        _py("marketdata"),
        ("tradingbot",),
        allowed=("tradingbot.marketdata",),
    ),
    Rule(
        "the operator imports nothing of the bot package",
        _py(".", root=OPERATOR),
        ("tradingbot",),
    ),
)


def _module_of(path: Path) -> str:
    for root, name in ((BOT, "tradingbot"), (OPERATOR, "tradingbot_operator")):
        if path.is_relative_to(root):
            rel = path.relative_to(root).with_suffix("")
            parts = [name, *rel.parts]
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise ValueError(path)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_of(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # "from tradingbot import engine" names the submodule
                yield node.lineno, f"{module}.{alias.name}"


def violations(rule: Rule) -> list[str]:
    found = []
    for path in rule.files:
        for line, module in imports(path):
            if rule.violates(module):
                found.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    return sorted(set(found))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name.split(":")[0])
def test_import_rule(rule: Rule) -> None:
    assert rule.files, f"no files for rule {rule.name!r}: did a package move?"
    problems = violations(rule)
    assert not problems, f"import rule broken: {rule.name}\n" + "\n".join(problems)


def test_risk_and_strategy_read_no_clock() -> None:
    """Time is passed in: no ``datetime.now()``, ``date.today()``, ``time.time()``... in the pure layers."""
    problems = []
    for path in _py("risk", "strategy"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in CLOCK_CALLS
            ):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: calls .{node.func.attr}()")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: calls open()")
    assert not problems, "risk/strategy read the clock or open files:\n" + "\n".join(problems)
