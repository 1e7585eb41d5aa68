"""Offline checks of the kind end-to-end machinery: shellcheck on scripts/kind_e2e.sh, every GitHub
workflow against the GitHub-workflow JSON schema (check-jsonschema's vendored copy), actionlint when it is
installed, and the workflows only call Makefile verbs that exist."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml
from charts_support import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
VENV_BIN = REPO / ".venv" / "bin"


def _tool(name: str) -> str:
    local = VENV_BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (it comes with requirements/dev.lock: run make setup)")
    return found


def test_kind_e2e_script_passes_shellcheck() -> None:
    proc = subprocess.run(
        [_tool("shellcheck"), "--severity=style", "--shell=bash", str(REPO / "scripts" / "kind_e2e.sh")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_kind_e2e_script_cleans_up_and_runs_the_e2e_suite() -> None:
    script = (REPO / "scripts" / "kind_e2e.sh").read_text()
    assert "trap cleanup EXIT" in script
    assert "kind delete cluster" in script
    assert "bot/Dockerfile" in script
    assert "operator/Dockerfile" in script
    assert "charts/tradingbot-operator" in script
    assert "pytest tests/e2e -m e2e" in script


def test_workflows_match_the_github_workflow_schema() -> None:
    assert any(w.name == "e2e-kind.yml" for w in WORKFLOWS)
    proc = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_pass_actionlint() -> None:
    actionlint = shutil.which("actionlint") or (
        str(VENV_BIN / "actionlint") if (VENV_BIN / "actionlint").exists() else None
    )
    if actionlint is None:
        pytest.skip("actionlint is not installed (make setup installs it from requirements/dev.lock)")
    proc = subprocess.run(
        [actionlint, "-shellcheck", str(VENV_BIN / "shellcheck"), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_call_only_existing_make_verbs() -> None:
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", (REPO / "Makefile").read_text(), flags=re.MULTILINE))
    for workflow in WORKFLOWS:
        doc = yaml.safe_load(workflow.read_text())
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                for command in re.findall(r"\bmake ([a-z0-9 -]+)", step.get("run", "")):
                    for verb in command.split():
                        assert verb in targets, f"{workflow.name}: make {verb} is not a Makefile target"


def test_e2e_suite_skips_cleanly_without_a_cluster() -> None:
    """Where kind/docker are absent (as on the development machines) tests/e2e skip with the reason."""
    if shutil.which("kind") and shutil.which("docker"):
        pytest.skip("kind and docker are present: the e2e suite would really run")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(REPO / "tests" / "e2e"),
            "-m",
            "e2e",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipped" in proc.stdout
    assert "kind" in proc.stdout
