from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.ops.audit import AuditLog


def _all_lines(log: AuditLog) -> list[dict[str, object]]:
    files = [log.path] + [log.rotated_path(i) for i in range(1, log.retention + 1)]
    lines: list[dict[str, object]] = []
    for f in files:
        if f.exists():
            for raw in f.read_text().splitlines():
                lines.append(json.loads(raw))  # a torn line would fail here
    return lines


def test_one_json_object_per_line(tmp_path: Path) -> None:
    clock = lambda: datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # noqa: E731
    with AuditLog(tmp_path / "logs" / "audit_events.jsonl", 1024 * 1024, 5, clock=clock) as log:
        log.write("order_intent", {"size": Decimal("0.01"), "side": "BUY"})
        log.write("risk_abort", {"reasons": ["max_drawdown_exceeded"]})
    lines = (tmp_path / "logs" / "audit_events.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == {
        "ts": "2026-11-27T06:00:00.000+00:00",
        "event": "order_intent",
        "size": "0.01",
        "side": "BUY",
    }
    assert json.loads(lines[1])["event"] == "risk_abort"


def test_rotation_keeps_retention_generations_and_drops_the_oldest(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit_events.jsonl", 1024, 3)
    for i in range(200):
        log.write("e", {"i": i, "pad": "x" * 40})
    log.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "audit_events.jsonl",
        "audit_events.jsonl.1",
        "audit_events.jsonl.2",
        "audit_events.jsonl.3",
    ]
    for p in tmp_path.iterdir():
        assert p.stat().st_size <= 1024
    indices = [int(str(line["i"])) for line in reversed(_all_lines_ordered(log))]
    # Newest generation holds the last writes; order across generations is preserved, nothing duplicated.
    assert indices == sorted(indices)
    assert indices[-1] == 199
    assert 0 not in indices


def _all_lines_ordered(log: AuditLog) -> list[dict[str, object]]:
    # newest first: current file (reversed), then .1, .2, ...
    out: list[dict[str, object]] = []
    for f in [log.path] + [log.rotated_path(i) for i in range(1, log.retention + 1)]:
        if f.exists():
            out.extend(reversed([json.loads(x) for x in f.read_text().splitlines()]))
    return out


def test_lowered_retention_removes_older_generations(tmp_path: Path) -> None:
    path = tmp_path / "audit_events.jsonl"
    for i in range(1, 6):
        path.with_name(f"audit_events.jsonl.{i}").write_text("{}\n")
    path.write_text("{}\n" * 30)
    log = AuditLog(path, 1024, 2)
    log.write("e", {"pad": "x" * 1000})
    log.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "audit_events.jsonl",
        "audit_events.jsonl.1",
        "audit_events.jsonl.2",
    ]


def test_concurrent_threads_lose_and_tear_nothing(tmp_path: Path) -> None:
    threads_n, per_thread = 8, 250
    # Retention large enough to keep everything, small files to force many rotations mid-stream.
    log = AuditLog(tmp_path / "audit_events.jsonl", 4096, 1000)
    barrier = threading.Barrier(threads_n)

    def writer(t: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            log.write("e", {"t": t, "i": i, "pad": "y" * (i % 50)})

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    log.close()
    lines = _all_lines(log)
    assert len(lines) == threads_n * per_thread
    assert {(line["t"], line["i"]) for line in lines} == {
        (t, i) for t in range(threads_n) for i in range(per_thread)
    }
    assert len(list(tmp_path.iterdir())) > 10  # it really rotated


async def test_asyncio_writers(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit_events.jsonl", 2048, 1000)

    async def writer(t: int) -> None:
        for i in range(50):
            log.write("e", {"t": t, "i": i})
            await asyncio.sleep(0)

    await asyncio.gather(*(writer(t) for t in range(10)))
    log.close()
    assert len(_all_lines(log)) == 500


def test_reopening_continues_size_accounting(tmp_path: Path) -> None:
    path = tmp_path / "audit_events.jsonl"
    AuditLog(path, 1024, 2).write("e", {"pad": "z" * 900})
    log = AuditLog(path, 1024, 2)
    log.write("e", {"pad": "z" * 900})
    log.close()
    assert path.with_name("audit_events.jsonl.1").exists()


def test_redactor_is_applied(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", 4096, 2, redact=lambda s: s.replace("hunter2-secret", "***"))
    log.write("e", {"note": "key hunter2-secret"})
    log.close()
    assert "hunter2-secret" not in (tmp_path / "a.jsonl").read_text()


@pytest.mark.parametrize(
    ("max_bytes", "retention", "match"),
    [
        (0, 5, "AUDIT_LOG_MAX_BYTES=0"),
        (1023, 5, ">= 1024"),
        (4096, 0, "AUDIT_LOG_RETENTION=0"),
        (4096, 1001, "1..1000"),
    ],
)
def test_limits_are_validated(tmp_path: Path, max_bytes: int, retention: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        AuditLog(tmp_path / "a.jsonl", max_bytes, retention)
