"""Fixtures of the engine's unit tests; the fake exchange itself lives in engine_fakes.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_fakes import FakeClock, FakeExchange
from tradingbot.engine.store import StateStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def exchange(clock: FakeClock) -> FakeExchange:
    return FakeExchange(clock)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    s = StateStore.in_var_dir(tmp_path)
    yield s
    s.close()
