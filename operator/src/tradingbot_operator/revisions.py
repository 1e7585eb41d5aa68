"""Revision hashes and the ControllerRevision history (pure)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from tradingbot_operator.render import REVISION_LABEL, BotRef, metadata

HISTORY_LABEL = "tradingbot.dev/history"


def revision_hash(pod_template: dict[str, Any], secret_hash: str) -> str:
    """Over the pod template and the hash of the referenced secrets' data (never the values)."""
    canonical = json.dumps(pod_template, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{canonical}\n{secret_hash}".encode()).hexdigest()[:10]


@dataclasses.dataclass(frozen=True)
class Revision:
    """What a ControllerRevision stores: enough to run that revision again."""

    revision: str
    number: int
    template: dict[str, Any]
    config_map: str
    secret_snapshot: str | None

    @classmethod
    def from_object(cls, obj: dict[str, Any]) -> Revision:
        data = obj["data"]
        return cls(
            revision=str(data["revision"]),
            number=int(obj.get("revision", 0)),
            template=data["template"],
            config_map=str(data["configMap"]),
            secret_snapshot=data.get("secretSnapshot"),
        )


def controller_revision_name(bot: BotRef, revision: str) -> str:
    return f"{bot.name}-{revision}"


def render_controller_revision(bot: BotRef, rev: Revision) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": metadata(
            bot,
            controller_revision_name(bot, rev.revision),
            "history",
            **{REVISION_LABEL: rev.revision, HISTORY_LABEL: "true"},
        ),
        "revision": rev.number,
        "data": {
            "revision": rev.revision,
            "template": rev.template,
            "configMap": rev.config_map,
            "secretSnapshot": rev.secret_snapshot,
        },
    }


def next_number(history: Iterable[Revision]) -> int:
    return max((r.number for r in history), default=0) + 1


def prune(history: list[Revision], limit: int, protected: set[str]) -> list[Revision]:
    """Revisions to delete: beyond the newest `limit`, never a protected (current/stable) one."""
    newest_first = sorted(history, key=lambda r: r.number, reverse=True)
    keep = {r.revision for r in newest_first[:limit]} | protected
    return [r for r in newest_first if r.revision not in keep]


def referenced(history: Iterable[Revision]) -> tuple[set[str], set[str]]:
    """ConfigMap and snapshot names that retained revisions still need."""
    configs: set[str] = set()
    snapshots: set[str] = set()
    for r in history:
        configs.add(r.config_map)
        if r.secret_snapshot:
            snapshots.add(r.secret_snapshot)
    return configs, snapshots
