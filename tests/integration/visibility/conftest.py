from __future__ import annotations

from collections.abc import Iterator

import pytest
from visibility_procs import QuietBot, running_bot


@pytest.fixture(scope="session")
def quiet_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuietBot]:
    """A real bot that traded on the simulator (at least 4 fills, 1 closed trade) and is now quiet."""
    with running_bot(tmp_path_factory.mktemp("bot")) as bot:
        bot.trade_until(fills=4, closing=1)
        yield QuietBot(bot, bot.quiet())
