"""``tradingbot pause|resume|flatten``: steer the running bot through its ops port.

``pause``: no new positions (reducing still allowed), kept across restarts; ``resume``: trade again;
``flatten``: close the position and stay paused. The command reads the run's token from
``<var_dir>/control.token`` (readable only by the bot's user) and sends it with ``POST /control/<name>``.
The address is ``--url``, else ``TRADINGBOT_OPS_URL``, else ``http://127.0.0.1:$TRADINGBOT_HTTP_PORT``; the
state directory ``--var-dir``, else ``TRADINGBOT_VAR_DIR``, else ``var``.
Exit 0 when the bot did it, 1 when no bot runs, the token cannot be read or the bot refused, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import httpx

from tradingbot.ops.control import HEADER, read_token, token_path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

HELP = {
    "pause": "stop opening positions (reducing still allowed); kept across restarts until resume",
    "resume": "trade again after pause or flatten",
    "flatten": "close the position and stay paused",
}


def _done(name: str, body: dict[str, Any]) -> str:
    if name == "pause":
        return "paused: the bot opens no new positions (reducing still allowed); `tradingbot resume` to trade"
    if name == "resume":
        return "resumed: the bot trades again" + ("" if body.get("was_paused") else " (it was not paused)")
    orders = body.get("orders") or ["no position to close"]
    return f"flatten: {'; '.join(orders)}; the bot stays paused until `tradingbot resume`"


def run(name: str, url: str, var_dir: Path) -> int:
    path = token_path(var_dir)
    try:
        token = read_token(var_dir)
    except FileNotFoundError:
        why = f"no control token at {path}: no bot is running with this state directory"
        print(f"{name}: {why} (start it with `make run`, or pass --var-dir / set TRADINGBOT_VAR_DIR)",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    except OSError as exc:
        print(
            f"{name}: cannot read {path} ({exc.strerror}): only the bot's user may steer it", file=sys.stderr
        )
        return EXIT_FAILED
    target = f"{url.rstrip('/')}/control/{name}"
    try:
        response = httpx.post(target, headers={HEADER: token}, timeout=30)
    except httpx.HTTPError as exc:
        why = f"no bot answers at {target} ({type(exc).__name__}); is the bot running?"
        print(f"{name}: {why} (check TRADINGBOT_OPS_URL / TRADINGBOT_HTTP_PORT, or pass --url)",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code in (401, 403):
        why = f"refused (HTTP {response.status_code}): {body.get('error', '')}"
        print(f"{name}: {why}; {path} is not the token of the bot at {url} (another run or state directory?)",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    if response.status_code != 200:
        why = body.get("error") or f"HTTP {response.status_code}"
        print(f"{name}: the bot at {url} did not do it: {why}", file=sys.stderr)
        return EXIT_FAILED
    print(_done(name, body))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, text in HELP.items():
        parser = subparsers.add_parser(
            name, help=text, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        parser.add_argument(
            "--url", help="ops base URL (default: TRADINGBOT_OPS_URL or http://127.0.0.1:9754)"
        )
        parser.add_argument(
            "--var-dir", type=Path, help="the bot's state directory (default: TRADINGBOT_VAR_DIR)"
        )
        parser.set_defaults(func=_main, control=name)


def _main(args: argparse.Namespace) -> int:
    from tradingbot.toolkit.settings import ToolkitConfigError, load_toolkit_settings

    name: str = args.control
    url, var_dir = args.url, args.var_dir
    if url is None or var_dir is None:
        try:
            toolkit = load_toolkit_settings(Path.cwd())
        except ToolkitConfigError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        url = url if url is not None else toolkit.ops_url
        var_dir = var_dir if var_dir is not None else toolkit.var_dir
    if not url.startswith(("http://", "https://")):
        print(f"{name}: --url {url!r} is not a URL; accepted: like http://127.0.0.1:9754", file=sys.stderr)
        return EXIT_USAGE
    return run(name, url, var_dir)
