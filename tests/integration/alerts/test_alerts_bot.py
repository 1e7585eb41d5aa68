"""Every bot alert fires on the real bot's scrapes in its scenario, and none fires in a healthy run.

One scenario per alert (bot_scenarios.SCENARIOS): the real `python -m tradingbot run` against a real
simulator process, scraped every 0.1 s; the recording is fed to `promtool test rules` with the rule files
of monitoring/alerts (scrape_record: time scaling). Each scenario also asserts that every metric its
alert's expression reads moved away from its never-updated value: an alert whose metric nobody sets
cannot pass here, however its expression is written.

The healthy run and the loop stall (the alert this suite was written for) are in `make test` (~30 s); the
rest run in `make chaos` (~70 s more on a shared 2-core host).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from bot_scenarios import SCALE, SCENARIOS, Scenario, bot, simulator
from scrape_record import Recorder, all_rules, judge
from tradingbot.ops.metrics import BotMetrics

pytestmark = pytest.mark.integration
BOT_RULES = {name for name in all_rules() if not name.startswith("TradingbotOperator")}
QUICK = {"healthy", "loop_stalled"}


def test_every_bot_rule_has_a_scenario() -> None:
    covered = set().union(*(s.expect for s in SCENARIOS))
    assert covered == BOT_RULES, f"rules without a scenario: {sorted(BOT_RULES - covered)}"


def _params() -> list[object]:
    return [
        pytest.param(s, id=s.name, marks=() if s.name in QUICK else (pytest.mark.chaos,)) for s in SCENARIOS
    ]


@pytest.mark.parametrize("scenario", _params())
def test_alert_scenario_on_real_scrapes(scenario: Scenario, tmp_path: Path) -> None:
    started = time.monotonic()
    with simulator(tmp_path) as sim:
        if scenario.before_start is not None:
            scenario.before_start(sim)
        with (
            bot(tmp_path, sim, **dict(scenario.env)) as b,
            Recorder(f"{b.url}/metrics", job="tradingbot", instance="bot:9754") as rec,
        ):
            try:
                scenario.drive(tmp_path, sim, rec, b)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\nbot log tail:\n{b.log.read_text()[-3000:]}") from None
    judge(
        rec.recording,
        scale=SCALE,
        expect=scenario.expect,
        fresh_exposition=BotMetrics().render().decode(),
        workdir=tmp_path,
        scenario=f"{scenario.name} ({time.monotonic() - started:.1f}s real)",
    )
