"""`python -m tradingbot_operator ctl` (and the `kubectl tradingbot` plugin): rollout controls and a view.

    get NAME                   revision history with gate progress (as `kubectl argo rollouts get`)
    retry NAME [--revision R]  roll out again the desired revision that failed its gate
    abort NAME                 fail the gate in progress now: roll back to the stable revision
    promote NAME               pass the gate in progress now (recorded in status and as an Event)
    pause NAME / resume NAME   stop / restart reconciling this bot

Every command except `get` only sets or removes an annotation (controls.py); the operator acts on it and
records what it did in the status, conditions and Events. Nothing here writes the status.
Exit codes: 0 done, 1 the API refused or the bot does not exist, 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from tradingbot_operator import conditions as cond
from tradingbot_operator import controls, render, revisions
from tradingbot_operator.kube import Connection, KubeApi, KubeError

ApiFactory = Callable[[], KubeApi]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubectl tradingbot", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--namespace", default="default", help="namespace of the TradingBot")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("get", "revision history with gate progress"),
        ("retry", "retry the failed desired revision"),
        ("abort", "abort the rollout in progress (roll back now)"),
        ("promote", "end the gate in progress early, as passed"),
        ("pause", "pause reconciliation of the bot"),
        ("resume", "resume reconciliation of the bot"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("name", help="TradingBot name")
        # Also after the command, as kubectl takes it (`get bot1 -n staging`).
        cmd.add_argument("-n", "--namespace", default=argparse.SUPPRESS, help="namespace of the TradingBot")
        if name == "retry":
            cmd.add_argument(
                "--revision", default="true", help="the failed revision (default: the desired one)"
            )
    return parser


ANNOTATIONS: dict[str, tuple[str, Callable[[argparse.Namespace], str | None]]] = {
    "retry": (controls.RETRY, lambda a: str(a.revision)),
    "abort": (controls.ABORT, lambda _: "true"),
    "promote": (controls.PROMOTE, lambda _: "true"),
    "pause": (controls.PAUSED, lambda _: "true"),
    "resume": (controls.PAUSED, lambda _: None),  # removed
}


async def run(argv: Sequence[str], api: KubeApi, out: TextIO) -> int:
    args = _parser().parse_args(list(argv))
    ns, name = args.namespace, args.name
    body = await api.get("TradingBot", ns, name)
    if body is None:
        print(f"error: TradingBot {ns}/{name} not found", file=sys.stderr)
        return 1
    if args.command == "get":
        bot = render.BotRef.from_body(body)
        history = await api.list(
            "ControllerRevision", ns, {**render.selector_labels(bot), revisions.HISTORY_LABEL: "true"}
        )
        out.write(format_get(body, [revisions.Revision.from_object(o) for o in history], time.time()))
        return 0
    key, value_of = ANNOTATIONS[args.command]
    value = value_of(args)
    await api.patch("TradingBot", ns, name, {"metadata": {"annotations": {key: value}}})
    verb = f"set {key}={value}" if value is not None else f"removed {key}"
    out.write(f"tradingbot {ns}/{name}: {args.command} requested ({verb}); see `get` for the outcome\n")
    return 0


def _image(rev: revisions.Revision) -> str:
    containers = (rev.template.get("spec") or {}).get("containers") or [{}]
    return str(containers[0].get("image", "?"))


def _age(iso: str, now: float) -> str:
    try:
        then = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return "?"
    seconds = max(0, int(now - then.timestamp()))
    return (
        f"{seconds}s" if seconds < 120 else f"{seconds // 60}m" if seconds < 7200 else f"{seconds // 3600}h"
    )


def format_get(body: dict[str, Any], history: list[revisions.Revision], now: float) -> str:
    """The rollout as a person reads it (pure): summary, gate progress, then the revision history."""
    meta, status = body["metadata"], body.get("status") or {}
    spec_gate = (body.get("spec") or {}).get("healthGate") or {}
    conds = status.get("conditions") or []
    progressing = cond.get_condition(conds, cond.PROGRESSING) or {}
    ready = cond.get_condition(conds, cond.READY) or {}
    requests = controls.read(meta.get("annotations"))
    current, stable = status.get("currentRevision") or "", status.get("stableRevision") or ""
    failed = list(status.get("failedRevisions") or [])
    gate = status.get("gate") or {}
    lines = [
        f"Name:          {meta['name']}",
        f"Namespace:     {meta.get('namespace', '')}",
        f"Phase:         {status.get('phase') or '-'}",
        f"Ready:         {ready.get('status', 'Unknown')} ({ready.get('reason', '-')})",
        f"Reason:        {progressing.get('reason', '-')}",
        f"Message:       {progressing.get('message', '')}",
        f"Paused:        {'yes' if requests.paused else 'no'}",
        f"Current:       {current or '-'}",
        f"Stable:        {stable or '-'}",
    ]
    if requests.present:
        pending = ", ".join(f"{k}={v}" for k, v in requests.present)
        lines.append(f"Pending:       {pending} (not acted on yet)")
    if gate:
        needed = spec_gate.get("successThreshold", "?")
        allowed = spec_gate.get("failureThreshold", "?")
        deadline = float(gate.get("startedAt", 0)) + float(spec_gate.get("progressDeadlineSeconds", 0))
        left = f", deadline in {max(0.0, deadline - now):.0f}s" if gate.get("result") == "Pending" else ""
        healthy = f"healthy {gate.get('successes', 0)}/{needed}"
        unhealthy = f"unhealthy {gate.get('failures', 0)}/{allowed}"
        lines.append(
            f"Gate:          {gate.get('revision')}: {gate.get('result')} - {healthy}, {unhealthy}, "
            f"{gate.get('probes', 0)} probes{left}"
        )
        if gate.get("reason"):
            lines.append(f"Gate reason:   {gate['reason']}")
    if status.get("lastRollback"):
        rb = status["lastRollback"]
        lines.append(f"Last rollback: {rb.get('fromRevision')} -> {rb.get('toRevision')}: {rb.get('reason')}")
    lines += ["", f"{'NO':<4}{'REVISION':<12}{'IMAGE':<36}{'STATUS'}"]
    for rev in sorted(history, key=lambda r: r.number, reverse=True):
        marks = []
        if gate.get("revision") == rev.revision and gate.get("result") == "Pending":
            marks.append(
                f"◌ Progressing (gate {gate.get('successes', 0)}/{spec_gate.get('successThreshold', '?')})"
            )
        if rev.revision == stable:
            marks.append("✔ Stable")
        if rev.revision == current and rev.revision != stable:
            marks.append("● Running")
        if rev.revision in failed:
            marks.append("✖ Failed")
        lines.append(f"{rev.number:<4}{rev.revision:<12}{_image(rev):<36}{', '.join(marks)}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None, api_factory: ApiFactory | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _parser().parse_args(args)
    except SystemExit as exc:  # argparse printed the usage
        return int(exc.code or 0) and 2

    async def go() -> int:
        if api_factory is not None:
            api = api_factory()
        else:
            from kubernetes.config import ConfigException

            try:
                api = KubeApi(Connection.from_environment())
            except ConfigException as exc:
                print(f"error: no Kubernetes credentials (in-cluster or kubeconfig): {exc}", file=sys.stderr)
                return 1
        try:
            return await run(args, api, sys.stdout)
        except KubeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            await api.aclose()

    return asyncio.run(go())


if __name__ == "__main__":
    sys.exit(main())
