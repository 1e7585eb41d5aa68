"""`python scripts/run_live.py` from a fresh clone with any python3 (issue 14: `No module named httpx`).

The script is copied into a bare tree (no installed package, no .venv) and run with the interpreter's
site-packages switched off (-S), so whatever the machine has installed cannot make it pass by accident.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "run_live.py", tmp_path / "scripts" / "run_live.py")
    return tmp_path


def _run(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-S", str(tree / "scripts" / "run_live.py")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tree)},
    )


def test_without_an_environment_it_says_to_run_make_setup(tmp_path: Path) -> None:
    result = _run(_tree(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "make setup" in result.stderr
    assert "No module named" in result.stderr  # what is missing, for the curious


def test_with_the_sources_but_no_dependencies_it_still_says_to_run_make_setup(tmp_path: Path) -> None:
    # The CLI imports lazily, so `import tradingbot.cli` alone succeeds without httpx or pydantic.
    tree = _tree(tmp_path)
    (tree / "bot").mkdir()
    (tree / "bot" / "src").symlink_to(ROOT / "bot" / "src")
    result = _run(tree)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "make setup" in result.stderr


def test_it_re_executes_into_the_repositorys_venv(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    fake = tree / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho "venv python got: $*"\nexit 7\n')
    fake.chmod(0o755)
    result = _run(tree)
    assert result.returncode == 7, result.stderr
    assert f"venv python got: {tree / 'scripts' / 'run_live.py'}" in result.stdout


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="needs make setup")
def test_the_real_venv_runs_the_bot_entry(tmp_path: Path) -> None:
    # Through the real .venv: an unknown variable stops the bot at once with exit 2 (it never starts).
    result = subprocess.run(
        [sys.executable, "-S", str(ROOT / "scripts" / "run_live.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TRADINGBOT_FOO": "1"},
    )
    assert result.returncode == 2, result.stderr
    assert "TRADINGBOT_FOO is not a known setting" in result.stderr
