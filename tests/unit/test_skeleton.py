"""The layout of DESIGN.md exists and both packages import."""

from __future__ import annotations

import importlib
import pathlib

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "bot/src/tradingbot",
        "operator/src/tradingbot_operator",
        "charts",
        "manifests",
        "monitoring",
        "scripts",
        "tests/unit",
        "tests/integration",
        "tests/e2e",
        "benchmarks",
        "docs",
        "Makefile",
        "README.md",
        ".ci/run",
        ".github/workflows/ci.yml",
    ],
)
def test_layout_exists(repo_root: pathlib.Path, path: str) -> None:
    assert (repo_root / path).exists(), f"{path} is missing from the layout of DESIGN.md"


@pytest.mark.parametrize("name", ["tradingbot", "tradingbot_operator"])
def test_packages_import(name: str) -> None:
    assert importlib.import_module(name).__version__
