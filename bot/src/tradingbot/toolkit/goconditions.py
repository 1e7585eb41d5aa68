"""The seed's Go conditions as a pure function of what the gate observed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tradingbot import layout
from tradingbot.toolkit.probes import HEALTHY_MONITOR_STATUSES, parse_time

REQUIRED_LIVE_SECRETS = ("gmo_api_key", "gmo_api_secret")
OPTIONAL_SECRETS = ("discord_webhook_url",)
# Clock granularity between this host and the bot (same host, but artifacts carry milliseconds).
_SLACK = timedelta(seconds=2)


@dataclass(frozen=True)
class Condition:
    name: str
    ok: bool
    detail: str


def _risk_status(body: Mapping[str, Any] | None) -> tuple[str | None, list[str]]:
    risk = body.get("risk") if body else None
    if isinstance(risk, Mapping):
        reasons = risk.get("reasons")
        return (
            str(risk.get("status")) if risk.get("status") is not None else None,
            [str(r) for r in reasons] if isinstance(reasons, list) else [],
        )
    if isinstance(risk, str):
        return risk, []
    return None, []


def evaluate(
    *,
    progress: Mapping[str, Any] | None,
    complete: Mapping[str, Any] | None,
    health: Mapping[str, Any] | None,
    previous_run_id: str | None,
    restarted_at: datetime,
    mode: str,
    secrets_dir: Path,
    existing_secrets: frozenset[str],
) -> list[Condition]:
    conditions: list[Condition] = []

    monitor = progress.get("monitor_status") if progress else None
    conditions.append(
        Condition(
            "monitor_status",
            monitor in HEALTHY_MONITOR_STATUSES,
            f"run_progress.json monitor_status={monitor} (Go: {'|'.join(HEALTHY_MONITOR_STATUSES)})",
        )
    )

    if complete is None:
        conditions.append(Condition("run_complete", False, "run_complete.json is missing"))
    else:
        run_id = complete.get("run_id")
        finished = parse_time(complete.get("finished_at"))
        if previous_run_id is not None and run_id is not None:
            latest = str(run_id) == previous_run_id
            why = f"run_id={run_id} (the run stopped by the restart: {previous_run_id})"
        else:
            latest = finished is not None and finished >= restarted_at - _SLACK
            why = f"finished_at={complete.get('finished_at')} (restart at {restarted_at.isoformat()})"
        conditions.append(Condition("run_complete", latest, f"run_complete.json from the latest run: {why}"))

    problems = []
    for source, body in ((layout.RUN_PROGRESS, progress), ("/healthz", health)):
        status, reasons = _risk_status(body)
        if status == "abort":
            problems.append(f"{source} risk=abort reasons={','.join(reasons) or '-'}")
    shown = ", ".join(
        f"{src} risk={_risk_status(b)[0]}"
        for src, b in ((layout.RUN_PROGRESS, progress), ("/healthz", health))
    )
    conditions.append(
        Condition("risk_matrix", not problems, "; ".join(problems) if problems else f"no abort ({shown})")
    )

    if mode == "live":
        missing = [name for name in REQUIRED_LIVE_SECRETS if name not in existing_secrets]
        optional = [
            f"{name}={'present' if name in existing_secrets else 'absent (optional)'}"
            for name in OPTIONAL_SECRETS
        ]
        detail = (
            f"live mode: {secrets_dir}/ "
            + ", ".join(
                f"{n}={'present' if n in existing_secrets else 'MISSING'}" for n in REQUIRED_LIVE_SECRETS
            )
            + ", "
            + ", ".join(optional)
        )
        conditions.append(Condition("secrets", not missing, detail))
    else:
        conditions.append(Condition("secrets", True, f"{mode} mode: secrets files are not needed"))
    return conditions
