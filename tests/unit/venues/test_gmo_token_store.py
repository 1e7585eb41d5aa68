"""The WS token file: 0600, atomic, bound to its endpoint, and an unreadable file is never echoed."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from tradingbot.venues.gmo.tokenstore import FileTokenStore

ENDPOINT = "http://127.0.0.1:1/private"


def test_round_trip_mode_and_clear(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "state" / "ws_token.json", ENDPOINT)
    assert store.load() is None
    store.save("abc-123_x")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert FileTokenStore(store.path, ENDPOINT).load() == "abc-123_x"
    assert [p.name for p in store.path.parent.iterdir()] == ["ws_token.json"], "no temp file left"
    store.clear()
    assert not store.path.exists()
    store.clear()  # clearing twice is fine


def test_other_endpoint_is_not_ours(tmp_path: Path) -> None:
    FileTokenStore(tmp_path / "t.json", "https://api.coin.z.com/private").save("live-token")
    assert FileTokenStore(tmp_path / "t.json", ENDPOINT).load() is None


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b'{"token": 5}', b'{"token": ""}', b'{"token": "a\\nb"}', b'{"endpoint": "x"}'],
)
def test_unreadable_file_is_ignored_without_echo(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "ws_token.json"
    path.write_bytes(content)
    assert FileTokenStore(path, ENDPOINT).load() is None
    if content:
        assert content.decode() not in caplog.text
