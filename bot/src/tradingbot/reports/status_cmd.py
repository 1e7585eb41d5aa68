"""``tradingbot status``: the running bot's state, read from its ops port (``GET /status``).

Printed for a person by default, the document itself with ``--json``. Exit 0 when the bot answered (even
when it is unhealthy: the state is the answer), 1 when no bot answers or the answer is not a status
document. The address is ``--url``, else ``TRADINGBOT_OPS_URL``, else ``http://127.0.0.1:$TRADINGBOT_HTTP_PORT``.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tradingbot.reports import table

EXIT_OK = 0
EXIT_NO_BOT = 1


def fetch(url: str, timeout: float = 5.0) -> tuple[dict[str, Any] | None, str]:
    """The /status document, or None and why not."""
    target = f"{url.rstrip('/')}/status"
    try:
        response = httpx.get(target, timeout=timeout)
    except httpx.HTTPError as exc:
        return None, f"no bot answers at {target} ({type(exc).__name__}: {exc or 'no detail'})"
    if response.status_code == 404:
        return None, f"{target} is not served (HTTP 404): the process there is not a tradingbot with /status"
    try:
        body = response.json()
    except ValueError:
        return None, f"{target} answered HTTP {response.status_code} with something that is not JSON"
    if response.status_code != 200 or not isinstance(body, dict) or "account" not in body:
        return None, f"{target} answered HTTP {response.status_code}: {json.dumps(body)[:300]}"
    return body, ""


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _signed(value: Any) -> str:
    d = _d(value)
    return "-" if d is None else ("+" if d > 0 else "") + table.jpy(d)


def _limit(row: dict[str, Any]) -> list[str]:
    unit = row["unit"]

    def show(v: Any) -> str:
        d = _d(v)
        if d is None:
            return "-"
        if unit == "ratio":
            return f"{d * 100:.2f}%"
        if unit == "JPY":
            return f"{table.jpy(d)} JPY"
        if unit == "x":
            return f"{d:.2f}x"
        return str(d)

    used = _d(row["used"])
    flag = "" if used is None or used <= 1 else "  EXCEEDED"
    return [row["name"], show(row["figure"]), show(row["limit"]), table.ratio_percent(used) + flag,
            row["breach_status"]]  # fmt: skip


def render(s: dict[str, Any]) -> str:
    a, p, risk = s["account"], s["position"], s["risk"]
    # None: the bot has no pause control (yet); say nothing rather than guess.
    paused = {True: ", trading PAUSED", False: ", trading running", None: ""}[s.get("paused")]
    sides = []
    for side in ("long", "short"):
        if _d(p[side]):
            avg = p[f"{side}_average_price"]
            sides.append(f"{side} {p[side]}" + (f" avg {table.jpy(_d(avg))}" if avg is not None else ""))
    position = "; ".join(sides) or "flat"
    if sides:
        position += (
            f"; mark {table.jpy(_d(p['mark_price']))}; unrealised {_signed(p['unrealised_pnl_jpy'])} JPY"
            + (" (at mid)" if p.get("unrealised_basis") == "mid" else "")
        )
    health = "healthy" if s["health"] == "ok" else "UNHEALTHY"
    reconciliation = "ok" if s["reconciliation_ok"] else "MISMATCH " + "; ".join(s["reconciliation_problems"])
    risk_text = risk["status"] + (" HALTED" if risk["halted"] else "")
    if risk["reasons"]:
        risk_text += f" ({', '.join(risk['reasons'])})"
    equity = (
        f"{table.jpy(_d(a['equity_jpy']))} JPY (start {table.jpy(_d(a['start_equity_jpy']))}, "
        f"run P&L {_signed(a['run_pnl_jpy'])})"
    )
    this_run = (
        f"realised {_signed(a['realised_pnl_jpy'])} JPY, fees {table.jpy(_d(a['fees_jpy']))} JPY, "
        f"{a['fills']} fills, {a['closing_trades']} closing trades, "
        f"win rate {table.ratio_percent(_d(a['win_rate']))}"
    )
    header = table.key_values([
        ("bot", f"{s['symbol']} {s['mode']} run {s['run_id']} (version {s['version']})"),
        ("started", str(s["started_at"])),
        ("health", f"{health} (monitor_status {s['monitor_status']}){paused}"),
        ("streams", f"public {s['streams']['public']}, private {s['streams']['private']}; "
                    f"reconciliation {reconciliation}"),
        ("risk", risk_text),
        ("position", position),
        ("equity", equity),
        ("this run", this_run),
        ("last loop", str(s["last_loop_at"])),
    ])  # fmt: skip
    limits = table.render(["limit", "now", "limit", "used", "on breach"], [_limit(r) for r in risk["limits"]])
    orders = table.render(
        ["created (UTC)", "order", "side", "action", "size", "filled", "price", "state"],
        [[o["created_at"][11:19], str(o["exchange_order_id"] or "-"), o["side"], o["action"], o["size"],
          o["executed"], "market" if o["price"] is None else table.jpy(_d(o["price"])), o["state"]]
         for o in s["open_orders"]],
    )  # fmt: skip
    fills = table.render(
        ["time (UTC)", "order", "side", "settle", "size", "price", "P&L", "fee"],
        [[f["at"][11:19], str(f["order_id"]), f["side"], f["settle_type"], f["size"],
          table.jpy(_d(f["price"])), _signed(f["loss_gain"]) if f["settle_type"] == "CLOSE" else "-",
          table.jpy(_d(f["fee"]))]
         for f in s["recent_fills"][:10]],
    )  # fmt: skip
    parts = [header, "", "risk limits", limits, "", f"open orders ({len(s['open_orders'])})", orders]
    shown = min(10, len(s["recent_fills"]))
    parts += ["", f"recent fills (newest {shown} of the last {len(s['recent_fills'])})", fills]
    if s.get("store_error"):
        parts += ["", f"note: orders and fills unavailable: {s['store_error']}"]
    return "\n".join(parts)


def run(url: str, *, as_json: bool) -> int:
    body, why = fetch(url)
    if body is None:
        print(f"status: {why}", file=sys.stderr)
        print("status: is the bot running? start it with `make run` (or check TRADINGBOT_OPS_URL / "
              "TRADINGBOT_HTTP_PORT, or pass --url)", file=sys.stderr)  # fmt: skip
        return EXIT_NO_BOT
    print(json.dumps(body, indent=2) if as_json else render(body))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status", help="the running bot's state from its ops port (/status)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--url", help="ops base URL (default: TRADINGBOT_OPS_URL or http://127.0.0.1:9754)")
    parser.add_argument("--json", action="store_true", help="print the /status JSON document")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from tradingbot.toolkit.settings import ToolkitConfigError, load_toolkit_settings

    url = args.url
    if url is None:
        try:
            url = load_toolkit_settings(Path.cwd()).ops_url
        except ToolkitConfigError as exc:
            print(f"status: {exc}", file=sys.stderr)
            return 2
    if not url.startswith(("http://", "https://")):
        print(f"status: --url {url!r} is not a URL; accepted: like http://127.0.0.1:9754", file=sys.stderr)
        return 2
    return run(url, as_json=args.json)
