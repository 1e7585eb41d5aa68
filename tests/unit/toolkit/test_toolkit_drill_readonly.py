"""The connectivity drill cannot send an order: proven from the source and from the object itself."""

from __future__ import annotations

import ast
import inspect
import io
from pathlib import Path

import pytest
from tradingbot.toolkit import drill, readonly
from tradingbot.toolkit.console import Console
from tradingbot.toolkit.readonly import READ_METHODS, TOKEN_METHODS, ReadOnlyVenue
from tradingbot.toolkit.settings import load_toolkit_settings
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.rest import GmoRestClient

WRITE_METHODS = frozenset(
    {"place_order", "cancel_order", "cancel_bulk_order", "close_order", "close_bulk_order"}
)


def _names(module: object) -> set[str]:
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
    return found


def test_the_write_methods_exist_on_the_full_client() -> None:
    # Guards the test itself: if the client renamed them, the checks below would prove nothing.
    assert set(dir(GmoRestClient)) >= WRITE_METHODS


@pytest.mark.parametrize("module", [drill, readonly])
def test_no_write_method_is_named(module: object) -> None:
    assert not (_names(module) & WRITE_METHODS)


def test_drill_never_reaches_past_the_facade() -> None:
    names = _names(drill)
    assert "_ReadOnlyVenue__client" not in names
    assert "getattr" not in names
    # The full client is named only for the type the private stream is declared with.
    source = inspect.getsource(drill)
    assert source.count("GmoRestClient(") == 0


async def test_the_facade_has_reads_and_token_calls_only() -> None:
    venue = ReadOnlyVenue(GmoEndpoints.at("http://127.0.0.1:9"), None)
    try:
        public = {n for n in dir(venue) if not n.startswith("_")}
        assert public == {*READ_METHODS, *TOKEN_METHODS, "endpoints"}
        for name in WRITE_METHODS:
            assert not hasattr(venue, name)
        with pytest.raises(AttributeError):
            venue.anything = 1  # type: ignore[attr-defined]
    finally:
        await venue.__aexit__(None, None, None)


async def test_real_mode_without_secrets_fails_as_auth_before_any_connection(tmp_path: Path) -> None:
    env = {"LIVE_DRILL_REAL_CONNECT": "1", "TRADINGBOT_SECRETS_DIR": str(tmp_path / "none")}
    settings = load_toolkit_settings(tmp_path, env)
    out = io.StringIO()
    result = await drill.drill(settings, Console("drill", out=out))
    assert result["result"] == "fail"
    assert result["failure"]["category"] == "auth"
    assert "GMO_API_KEY" in result["failure"]["detail"]
    assert result["steps"] == []
    assert "endpoints" not in result  # never got as far as choosing where to connect
