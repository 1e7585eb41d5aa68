"""Shared fixtures for the whole test tree.

Each area keeps its own fixtures next to its tests (tests/<kind>/<area>/conftest.py); only what
several areas use lives here.
"""

from __future__ import annotations

import os
import pathlib

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return REPO_ROOT


CHAOS_TIMEOUT = 900


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests under tests/unit and tests/integration get their marker from the folder, so a
    # marker expression like `-m "unit"` selects them without per-file boilerplate.
    for item in items:
        parts = pathlib.Path(str(item.fspath)).relative_to(REPO_ROOT).parts
        if len(parts) > 1 and parts[1] in {"unit", "integration", "e2e"}:
            item.add_marker(getattr(pytest.mark, parts[1]))
        # The long forms (make chaos) run 10,000 generated cases: slow by definition, so every "not slow"
        # selection (release_check's quick stage) leaves them out, and 120 s is no hang limit for them.
        # A test's own timeout marker still wins (appended markers come after the test's own).
        if item.get_closest_marker("chaos") is not None:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.timeout(CHAOS_TIMEOUT))


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loopback traffic must never be routed through a proxy configured in the environment.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        if name in os.environ:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
