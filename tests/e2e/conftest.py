"""Fixtures of the kind end-to-end suite (helpers in kind_support.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from kind_support import NAMESPACE, Kubectl, unavailable


@pytest.fixture(scope="session", autouse=True)
def _cluster() -> None:
    reason = unavailable()
    if reason is not None:
        if os.environ.get("E2E_REQUIRE_CLUSTER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def kubectl() -> Kubectl:
    return Kubectl(NAMESPACE)


@pytest.fixture
def bot_name(kubectl: Kubectl) -> Iterator[str]:
    name = f"e2e-{uuid.uuid4().hex[:6]}"
    yield name
    kubectl.run(
        "delete", "tradingbot", name, "--ignore-not-found", "--wait=true", "--timeout=120s", check=False
    )
