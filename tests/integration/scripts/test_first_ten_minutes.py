"""The first ten minutes of a new user (issue 14, "Why": make help, python3.11, make run, the README)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_make_help_lists_every_verb() -> None:
    # Independent reference: the .PHONY line names every verb.
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.+)$", makefile, re.M)
    assert phony is not None
    verbs = set(phony.group(1).split())
    listed = {line.split("\t")[0] for line in _make("help").stdout.splitlines()}
    assert {"e2e-kind", "e2e-compose", "fmt"} <= verbs
    assert verbs <= listed, f"missing from make help: {sorted(verbs - listed)}"


def test_without_python311_make_says_how_to_get_it(tmp_path: Path) -> None:
    result = _make("run", "PYTHON_BOOTSTRAP=python3.11-not-installed", f"VENV={tmp_path / 'venv'}")
    assert result.returncode != 0
    assert "command not found" not in result.stderr
    assert "python3.11-not-installed is needed" in result.stderr
    assert "apt-get install python3.11" in result.stderr


def test_make_run_installs_only_the_bot_runtime_lock(tmp_path: Path) -> None:
    result = _make("-n", "run", f"VENV={tmp_path / 'venv'}", "PYTHON_BOOTSTRAP=python3")
    assert result.returncode == 0, result.stderr
    assert "requirements/bot.lock" in result.stdout
    assert "--require-hashes" in result.stdout
    assert "dev.lock" not in result.stdout
    test = _make("-n", "test", f"VENV={tmp_path / 'venv'}", "PYTHON_BOOTSTRAP=python3")
    assert "requirements/dev.lock" in test.stdout


def test_the_bot_lock_is_hash_pinned_and_covers_the_bots_dependencies() -> None:
    lock = (ROOT / "requirements" / "bot.lock").read_text()
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lock, re.M)}
    pyproject = (ROOT / "bot" / "pyproject.toml").read_text()
    deps = re.search(r"dependencies = \[(.*?)\]", pyproject, re.S)
    assert deps is not None
    needed = {
        re.split(r"[<>=!~\[]", d.strip().strip('",'))[0].lower()
        for d in deps.group(1).split(",")
        if d.strip()
    }
    assert needed <= pinned, sorted(needed - pinned)
    for block in re.split(
        r"\n(?=[A-Za-z0-9_.-]+==)", lock.split("\n", 2)[-1] if lock.startswith("#") else lock
    ):
        if "==" in block.split("\n", 1)[0]:
            assert "--hash=sha256:" in block, block.split("\n", 1)[0]
    assert "://" not in lock  # no registry host in a committed lock


def test_readme_going_live_names_both_secrets_the_mode_and_the_sequence() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Going live", 1)[1].split("\n## ", 1)[0]
    for text in ("secrets/gmo_api_key", "secrets/gmo_api_secret", "configs/bot.env", "TRADINGBOT_MODE=live",
                 "TRADINGBOT_LIVE_ENABLED=true", "docs/operations.md"):  # fmt: skip
        assert text in section, text
    assert section.index("scripts/go_live_prep.sh") < section.index("scripts/go_nogo_gate.sh")
