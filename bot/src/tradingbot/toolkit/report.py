"""``python -m tradingbot report`` (monthly_report.sh): the month's uptime, stops, gate results and trading.

Inputs: ``var/artifacts/run_complete.json`` and ``var/artifacts/run_progress.json`` (required),
``var/artifacts/go_nogo_gate.log`` (optional: without it the report is still written, its gate section
says the log is missing and how to make it); the audit log ``var/logs/audit_events.jsonl`` (+ rotated
generations) adds runs, stops and the trading summary when present. Outputs
``var/artifacts/monthly/monthly_report_YYYYMM.json`` and ``.md``. A missing input is named together with
the command that produces it; a missing required input makes the exit code 1.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tradingbot import layout
from tradingbot.ops.atomicfile import write_bytes_atomic
from tradingbot.toolkit.console import Console, iso, utc_now
from tradingbot.toolkit.probes import parse_time, read_artifact
from tradingbot.toolkit.settings import load_toolkit_settings

REPORT_TZ = ZoneInfo("Asia/Tokyo")  # the operators' month
NEXT_ACTIONS: Mapping[str, str] = {
    layout.RUN_PROGRESS: "start the bot and let it run one loop: docker-compose up -d --build "
    "(local runtime: bash scripts/bot.sh up)",
    layout.RUN_COMPLETE: "let one run finish so it writes its summary: docker-compose restart bot "
    "(local runtime: bash scripts/bot.sh restart), or run bash scripts/go_nogo_gate.sh",
    layout.GO_NOGO_LOG: "run the gate once: bash scripts/go_nogo_gate.sh",
}
_DECISION = re.compile(r"^(?P<at>\S+) \[go-nogo\] DECISION: (?P<decision>GO|NO-GO)(?: stage=(?P<stage>\S+))?")
_TIME_KEYS = ("ts", "at", "timestamp", "time", "occurred_at")
_NAME_KEYS = ("event", "type", "kind", "name")
_PNL_KEYS = ("realized_pnl", "loss_gain", "lossGain", "pnl")
_ORDER_WORDS = ("intent", "sent", "placed", "submitted")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = re.fullmatch(r"(\d{4})-?(\d{2})", text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise argparse.ArgumentTypeError(f"month {text!r} is not a month; accepted: YYYYMM or YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> Month:
        local = moment.astimezone(REPORT_TZ)
        return cls(local.year, local.month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=REPORT_TZ)

    @property
    def end(self) -> datetime:
        return datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=REPORT_TZ)

    @property
    def tag(self) -> str:
        return f"{self.year:04d}{self.month:02d}"

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def read_audit(logs_dir: Path) -> list[dict[str, Any]]:
    """Every event of the audit log, oldest generation first (``.N`` ... ``.1``, then the live file)."""
    base = logs_dir / layout.AUDIT_LOG
    rotated = sorted(
        logs_dir.glob(f"{layout.AUDIT_LOG}.*"),
        key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0,
    )
    events: list[dict[str, Any]] = []
    for path in [*rotated, base]:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a torn last line after a crash must not hide the rest
            if isinstance(event, dict):
                events.append(event)
    return events


def _event_time(event: Mapping[str, Any]) -> datetime | None:
    for key in _TIME_KEYS:
        if key in event:
            return parse_time(event[key])
    return None


def _event_name(event: Mapping[str, Any]) -> str:
    for key in _NAME_KEYS:
        if isinstance(event.get(key), str):
            return str(event[key])
    return "unknown"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def gate_results(log_text: str, month: Month) -> list[dict[str, str | None]]:
    results: list[dict[str, str | None]] = []
    for line in log_text.splitlines():
        match = _DECISION.match(line)
        if match and month.contains(parse_time(match.group("at"))):
            results.append(
                {"at": match.group("at"), "decision": match.group("decision"), "stage": match.group("stage")}
            )
    return results


def _clip(start: datetime | None, end: datetime | None, lo: datetime, hi: datetime) -> float:
    if start is None or end is None:
        return 0.0
    return max(0.0, (min(end, hi) - max(start, lo)).total_seconds())


def build_report(
    *,
    month: Month,
    now: datetime,
    progress: Mapping[str, Any],
    complete: Mapping[str, Any],
    gate_log: str | None,
    audit: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The report as a JSON-able dict; pure, so the numbers can be unit-tested."""
    window_end = min(month.end, now)
    runs: dict[str, dict[str, Any]] = {}

    def run(run_id: str) -> dict[str, Any]:
        return runs.setdefault(
            run_id, {"run_id": run_id, "started_at": None, "finished_at": None, "stop_reason": None}
        )

    in_month = [e for e in audit or [] if month.contains(_event_time(e))]
    for event in audit or []:
        run_id, name, at = event.get("run_id"), _event_name(event).lower(), _event_time(event)
        if run_id is None or at is None:
            continue
        if "start" in name and "stop" not in name:
            entry = run(str(run_id))
            entry["started_at"] = entry["started_at"] or at
        elif any(word in name for word in ("stop", "complete", "finish", "shutdown")):
            entry = run(str(run_id))
            entry["finished_at"] = at
            entry["stop_reason"] = event.get("stop_reason") or event.get("reason") or entry["stop_reason"]

    done = run(str(complete.get("run_id", "last_completed")))
    done["started_at"] = parse_time(complete.get("started_at")) or done["started_at"]
    done["finished_at"] = parse_time(complete.get("finished_at")) or done["finished_at"]
    done["stop_reason"] = complete.get("stop_reason", done["stop_reason"])
    done["exit_code"] = complete.get("exit_code")
    current_id = str(progress.get("run_id", "current"))
    if current_id != done["run_id"]:
        current = run(current_id)
        current["started_at"] = parse_time(progress.get("started_at")) or current["started_at"]
        current["finished_at"] = current["finished_at"] or parse_time(progress.get("updated_at"))
        current["running"] = True

    run_rows = []
    uptime = 0.0
    for entry in runs.values():
        seconds = _clip(entry["started_at"], entry["finished_at"], month.start, window_end)
        if seconds <= 0 and not month.contains(entry["finished_at"]):
            continue
        uptime += seconds
        run_rows.append(
            {
                **entry,
                "started_at": iso(entry["started_at"]) if entry["started_at"] else None,
                "finished_at": iso(entry["finished_at"]) if entry["finished_at"] else None,
                "seconds_in_month": round(seconds, 3),
            }
        )
    elapsed = max((window_end - month.start).total_seconds(), 0.0)
    stops = [r for r in run_rows if r.get("stop_reason")]
    stop_events = [
        {
            "at": iso(t),
            "event": _event_name(e),
            "reason": e.get("reason") or e.get("reason_code") or e.get("reasons"),
        }
        for e in in_month
        if (t := _event_time(e)) is not None
        and any(w in _event_name(e).lower() for w in ("halt", "abort", "degrad"))
    ]
    gates = gate_results(gate_log, month) if gate_log is not None else []
    report: dict[str, Any] = {
        "month": f"{month.year:04d}-{month.month:02d}",
        "generated_at": iso(now),
        "uptime": {
            "seconds": round(uptime, 3),
            "month_elapsed_seconds": round(elapsed, 3),
            "ratio": round(uptime / elapsed, 6) if elapsed else None,
            "runs": sorted(run_rows, key=lambda r: r["started_at"] or ""),
        },
        "stops": {
            "count": len(stops),
            "reasons": dict(Counter(str(r["stop_reason"]) for r in stops)),
            "runs": [
                {"run_id": r["run_id"], "finished_at": r["finished_at"], "stop_reason": r["stop_reason"]}
                for r in stops
            ],
            "risk_events": stop_events,
        },
        "gates": {
            "go": sum(1 for g in gates if g["decision"] == "GO"),
            "no_go": sum(1 for g in gates if g["decision"] == "NO-GO"),
            "results": gates,
        }
        if gate_log is not None
        else {
            "available": False,
            "go": None,
            "no_go": None,
            "results": [],
            "why": "var/artifacts/go_nogo_gate.log is missing",
            "next_action": NEXT_ACTIONS["go_nogo_gate.log"],
        },
        "current": {
            "run_id": progress.get("run_id"),
            "monitor_status": progress.get("monitor_status"),
            "risk": progress.get("risk"),
            "updated_at": progress.get("updated_at"),
        },
        "trading": trading_summary(in_month)
        if audit is not None
        else {"available": False, "why": "no audit log"},
    }
    return report


def trading_summary(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    pnl = Decimal(0)
    fees = Decimal(0)
    for event in events:
        name = _event_name(event)
        counts[name] += 1
        for key in _PNL_KEYS:
            value = _decimal(event.get(key))
            if value is not None:
                pnl += value
                break
        fee = _decimal(event.get("fee"))
        if fee is not None:
            fees += fee
    lowered = {name.lower(): n for name, n in counts.items()}
    return {
        "available": True,
        "events": sum(counts.values()),
        "by_event": dict(sorted(counts.items())),
        # The daemon records an intent before every order it sends (then its outcome): count intents.
        "orders": sum(
            n for name, n in lowered.items() if "order" in name and any(w in name for w in _ORDER_WORDS)
        ),
        "cancels": sum(n for name, n in lowered.items() if "cancel" in name),
        "fills": sum(n for name, n in lowered.items() if "fill" in name or "execution" in name),
        "realized_pnl_jpy": str(pnl),
        "fees_jpy": str(fees),
    }


def render_markdown(report: Mapping[str, Any]) -> str:
    up, stops, gates, trading = report["uptime"], report["stops"], report["gates"], report["trading"]
    ratio = f"{up['ratio'] * 100:.2f}%" if up["ratio"] is not None else "-"
    lines = [
        f"# 月次レポート {report['month']}",
        "",
        f"- 生成: {report['generated_at']}",
        f"- 現在の監視状態: `{report['current']['monitor_status']}` (run_id `{report['current']['run_id']}`)",
        "",
        "## 稼働 (uptime)",
        "",
        f"- 稼働秒数: {up['seconds']:.0f} / 経過秒数: {up['month_elapsed_seconds']:.0f} ({ratio})",
        "",
        "| run_id | started_at | finished_at | seconds | stop_reason |",
        "|---|---|---|---|---|",
        *(
            f"| {r['run_id']} | {r['started_at']} | {r['finished_at']} | {r['seconds_in_month']:.0f} "
            f"| {r.get('stop_reason') or '-'} |"
            for r in up["runs"]
        ),
        "",
        "## 停止と理由",
        "",
        f"- 停止回数: {stops['count']}",
        *(f"- `{reason}`: {n}" for reason, n in stops["reasons"].items()),
        *(f"- {e['at']} {e['event']}: {e['reason']}" for e in stops["risk_events"]),
        "",
        "## ゲート結果 (go_nogo_gate)",
        "",
        f"- GO: {gates['go']} / NO-GO: {gates['no_go']}"
        if gates.get("available", True)
        else f"- 取得不可: {gates['why']} (次アクション: {gates['next_action']})",
        *(
            f"- {g['at']} {g['decision']}" + (f" stage={g['stage']}" if g["stage"] else "")
            for g in gates["results"]
        ),
        "",
        "## 取引サマリ",
        "",
    ]
    if trading.get("available"):
        lines += [
            f"- 監査イベント数: {trading['events']}",
            f"- 注文: {trading['orders']} / 取消: {trading['cancels']} / 約定: {trading['fills']}",
            f"- 実現損益 (JPY): {trading['realized_pnl_jpy']} / 手数料 (JPY): {trading['fees_jpy']}",
        ]
    else:
        lines.append(f"- 取得不可: {trading.get('why')}")
    return "\n".join(lines) + "\n"


def run_report(var_dir: Path, month: Month | None, now: datetime | None = None) -> int:
    console = Console("monthly-report")
    now = now or utc_now()
    month = month or Month.of(now)
    paths = layout.VarLayout(var_dir)
    progress, why_progress = read_artifact(paths.run_progress)
    complete, why_complete = read_artifact(paths.run_complete)
    gate_path = paths.go_nogo_log
    gate_log = gate_path.read_text(encoding="utf-8", errors="replace") if gate_path.is_file() else None
    missing = []
    if complete is None:
        missing.append((layout.RUN_COMPLETE, why_complete))
    if progress is None:
        missing.append((layout.RUN_PROGRESS, why_progress))
    if gate_log is None:
        missing.append((layout.GO_NOGO_LOG, f"{gate_path} is missing"))
    for name, why in missing:
        console.say(f"missing input: {layout.shown(layout.ARTIFACTS_DIR, name)} ({why})")
        console.say(f"next action: {NEXT_ACTIONS[name]}")
    # The gate log only adds the gate results: without it the rest of the report still stands.
    required = [name for name, _ in missing if name != layout.GO_NOGO_LOG]
    if required:
        console.say(f"FAILED: {len(missing)} input(s) missing; no report written")
        return 1
    if gate_log is None:
        console.say("note: writing the report without gate results (go_nogo_gate.log is missing)")
    assert progress is not None
    assert complete is not None
    audit_present = paths.audit_log.exists()
    audit = read_audit(paths.logs) if audit_present else None
    if audit is None:
        console.say(
            f"note: {layout.shown(layout.LOGS_DIR, layout.AUDIT_LOG)} is absent;"
            " the trading summary is marked unavailable"
        )
    report = build_report(
        month=month, now=now, progress=progress, complete=complete, gate_log=gate_log, audit=audit
    )
    json_name, md_name = layout.monthly_report_names(month.tag)
    json_path, md_path = paths.monthly / json_name, paths.monthly / md_name
    write_bytes_atomic(
        json_path, (json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n").encode()
    )
    write_bytes_atomic(md_path, render_markdown(report).encode())
    console.say(
        f"month={report['month']} uptime_seconds={report['uptime']['seconds']:.0f} "
        f"stops={report['stops']['count']} "
        + (
            f"gates=GO:{report['gates']['go']}/NO-GO:{report['gates']['no_go']}"
            if gate_log is not None
            else "gates=unavailable(go_nogo_gate.log missing)"
        )
    )
    console.say(f"wrote {json_path}")
    console.say(f"wrote {md_path}")
    return 0


def _main(args: argparse.Namespace) -> int:
    var_dir = args.var_dir or load_toolkit_settings(Path.cwd()).var_dir
    return run_report(var_dir, args.month)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report", help="monthly report from the artifacts (monthly_report.sh)", description=__doc__
    )
    parser.add_argument(
        "--month", type=Month.parse, default=None, help="YYYYMM (default: this month, Asia/Tokyo)"
    )
    parser.add_argument("--var-dir", type=Path, default=None, help="default: TRADINGBOT_VAR_DIR or ./var")
    parser.set_defaults(func=_main)


__all__ = ["Month", "build_report", "register", "render_markdown", "run_report"]
