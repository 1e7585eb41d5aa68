"""Refused frames are logged at most once per reason per minute, with a short, escaped preview."""

from __future__ import annotations

import logging

import pytest
from tradingbot.venues.gmo.malformed import MalformedLog, preview


def test_preview_is_truncated_and_escaped() -> None:
    text = preview('{"symbol":"\u0000\n\x1b[31m' + "x" * 500)
    assert len(text) < 120
    assert text.endswith("...")
    assert all(" " <= c <= "~" for c in text)  # no control character reaches a log line
    assert "\\x00\\x0a\\x1b" in text
    assert preview(b"\xff\xfe{") == "\\ufffd\\ufffd{"
    assert preview("１２３") == "\\uff11\\uff12\\uff13"


def test_once_per_reason_per_minute(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    log = MalformedLog(logging.getLogger("test.malformed"), "public", clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.malformed"):
        for _ in range(50):
            log.refused("number", "bad", b"frame")
        log.refused("symbol", "bad", b"frame")
        now[0] += 59.0
        log.refused("number", "bad", b"frame")
        now[0] += 1.5
        log.refused("number", "bad", b"frame")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert "(number; 0 more" in lines[0]
    assert "(symbol; 0 more" in lines[1]
    assert "(number; 50 more" in lines[2]  # 49 in the first minute + 1 at 59 s, all counted
