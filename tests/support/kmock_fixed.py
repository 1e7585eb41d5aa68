"""kmock 0.8's KubernetesEmulator with the gaps of /work/shared/KMOCK_NOTES.md closed (test support).

It touches kmock's private internals (`_lock`, `_buses`, `_objects`, the name-mangled object lookup), so
it is pinned to kmock 0.8.x. What it adds over the stock emulator:
- resourceVersion bumped on every write; uid, creationTimestamp, generation, namespace (from the URL)
  and generateName on create; generation bumped when .spec changes (gaps 2, 6);
- JSON-patch `test` failures answered as 422 Unprocessable Entity instead of 500 (gap 3);
- list returns a real resourceVersion; watches replay only objects newer than the requested one and
  subscribe to the event bus under the same lock as the snapshot (gaps 4, 5);
- PATCH .../status changes only .status; a main-resource PATCH of a CR leaves .status alone (gap 7);
- list honours simple `labelSelector=k=v,...` equality selectors;
- a log of every write (method, path) for the "steady state writes nothing" assertion;
- `changed`/`changed_event`: the keys written through the API, so a fake controller reacts to writes
  instead of rescanning every object;
- `observers`: callables run synchronously right after each write is applied (before the next request
  is served), so a test can check an invariant on every state the API server ever held;
- matching a request to kmock's reactions looks at that request only (kmock 0.8 re-filters every request
  ever served for each new one: quadratic, ~6 s of CPU for 10 bots' cold start) and the request
  history is bounded to the last `REQUEST_HISTORY` requests;
- a get of one named object is a dict lookup instead of kmock's scan over every stored object (which
  made each request O(objects): with 200 TradingBots the emulator, not the operator, was the bottleneck).
Still not emulated: OpenAPI/CEL validation, garbage collection, controllers, kubelet, strategic merge.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import importlib.metadata
import itertools
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import attrs
import jsonpatch
import kmock
from kmock._internal import apps, enums, rendering

_KMOCK_PIN = "0.8"
assert importlib.metadata.version("kmock").startswith(_KMOCK_PIN), (
    f"kmock_fixed.py is written against kmock {_KMOCK_PIN}.x"
)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_HISTORY = 2000
# The request this task is serving: kmock's reaction matching asks `request in view`, which walks the
# root's whole request history through the view's filters; during serving only this request matters.
_SERVING: contextvars.ContextVar[Any] = contextvars.ContextVar("kmock_fixed_serving", default=None)


class _RequestHistory(list[Any]):
    def append(self, item: Any) -> None:
        super().append(item)
        if len(self) > REQUEST_HISTORY:
            del self[: len(self) - REQUEST_HISTORY // 2]


@attrs.define(kw_only=True)
class FixedEmulator(kmock.KubernetesEmulator):
    writes: list[tuple[str, str]] = attrs.field(factory=list, init=False)
    changed: list[Any] = attrs.field(factory=list, init=False)
    changed_event: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)
    observers: list[Callable[[], None]] = attrs.field(factory=list, init=False)
    _versions: Any = attrs.field(factory=lambda: itertools.count(1000), init=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self._requests = _RequestHistory()

    def __iter__(self) -> Iterator[Any]:
        current = _SERVING.get()
        if current is not None:
            yield current
            return
        yield from super().__iter__()

    def _next_version(self) -> str:
        return str(next(self._versions))

    def _get_objs(self, request: rendering.Request, strict: bool) -> list[Any]:
        return self._KubernetesEmulator__get_objs(request, strict=strict)

    # Overrides kmock's private (name-mangled) KubernetesEmulator.__get_objs, which every get, patch,
    # create and delete calls: a named object in a namespace is found by its key. Keys are stored with
    # the resource parsed from the request URL (or kmock.resource(group, version, plural) in the
    # harness); both hash by (group, version, plural), so a fully specified request finds them directly.
    def _KubernetesEmulator__get_objs(self, request: rendering.Request, strict: bool) -> list[Any]:  # noqa: N802
        res = request.resource
        if (
            res is not None
            and request.name is not None
            and request.namespace is not None
            and None not in (res.group, res.version, res.plural)
        ):
            obj = self._objects._objects.get((res, request.namespace, request.name))
            return [] if obj is None else [obj]
        return [
            obj
            for (resource, namespace, name), obj in self._objects.items()
            if resource == res
            and (namespace == request.namespace if strict else request.namespace in (None, namespace))
            and (request.name is None or name == request.name)
        ]

    def _note_change(self, key: Any) -> None:
        self.changed.append(key)
        self.changed_event.set()
        for observe in self.observers:
            observe()

    async def _handle(self, request: rendering.Request) -> Any:
        if request.method.value.upper() in WRITE_METHODS:
            self.writes.append((request.method.value.upper(), request.url.path))
        delete_key = None
        if request.resource is not None:
            async with self._lock:
                bus = self._buses[request.resource]
                if request.action == enums.action.CREATE:
                    obj = dict(request.data or {})
                    meta = dict(obj.get("metadata") or {})
                    namespace = request.namespace or meta.get("namespace")
                    if namespace:
                        meta["namespace"] = namespace
                    if not meta.get("name") and meta.get("generateName"):
                        meta["name"] = f"{meta['generateName']}{uuid.uuid4().hex[:5]}"
                    meta.setdefault("uid", str(uuid.uuid4()))
                    meta.setdefault("creationTimestamp", _now())
                    meta["resourceVersion"] = self._next_version()
                    meta["generation"] = 1
                    obj["metadata"] = meta
                    object.__setattr__(request, "data", obj)  # frozen attrs; serve_create reads the name
                    key = (request.resource, namespace, meta["name"])
                    if key in self._objects and not self._objects[key].deleted:
                        raise kmock.KubernetesError(409, "AlreadyExists", f"{meta['name']} already exists")
                    if key in self._objects:
                        self._objects[key].create(obj)
                    else:
                        self._objects[key] = obj
                    await bus.put({"type": "ADDED", "object": self._objects[key].raw})
                    self._note_change(key)
                elif (
                    request.action in (enums.action.UPDATE, enums.action.DELETE) and request.name is not None
                ):
                    key = (request.resource, request.namespace, request.name)
                    if key not in self._objects or self._objects[key].deleted:
                        raise kmock.KubernetesObjectNotFoundError()
                    current = self._objects[key].raw
                    if request.action == enums.action.UPDATE:
                        new = _patched(current, request.data, request.subresource)
                        if new.get("spec") != current.get("spec"):
                            new["metadata"]["generation"] = int(current["metadata"].get("generation", 1)) + 1
                        new["metadata"]["resourceVersion"] = self._next_version()
                        self._objects[key].history.append(new)
                        await bus.put({"type": "MODIFIED", "object": new})
                    elif current["metadata"].get("deletionTimestamp"):
                        pass
                    elif current["metadata"].get("finalizers"):
                        new = _copy(current)
                        new["metadata"]["deletionTimestamp"] = _now()
                        new["metadata"]["resourceVersion"] = self._next_version()
                        self._objects[key].history.append(new)
                        await bus.put({"type": "MODIFIED", "object": new})
                    else:
                        self._objects[key].delete()
                        await bus.put({"type": "DELETED", "object": current})
                    self._note_change(key)
                    if not self._objects[key].deleted:
                        meta = self._objects[key].raw["metadata"]
                        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
                            delete_key = key
        token = _SERVING.set(request)
        try:
            return await apps.RawHandler._handle(self, request)
        finally:
            _SERVING.reset(token)
            if delete_key is not None and request.resource is not None:
                async with self._lock:
                    raw = self._objects[delete_key].raw
                    self._objects[delete_key].delete()
                    await self._buses[request.resource].put({"type": "DELETED", "object": raw})
                    self._note_change(delete_key)

    async def _serve_list(self, request: rendering.Request) -> rendering.Payload:
        if request.resource not in self._get_resources():
            raise kmock.KubernetesResourceNotFoundError()
        selector = _selector(request.params.get("labelSelector", ""))
        async with self._lock:
            objs = [o.raw for o in self._get_objs(request, strict=False) if not o.deleted]
            version = str(next(self._versions))
        items = [o for o in objs if _labels_match(o, selector)]
        return {"metadata": {"resourceVersion": version}, "items": items}

    async def _serve_watch(self, request: rendering.Request) -> AsyncIterator[rendering.Payload]:
        yield b""
        assert request.resource is not None
        since = int(request.params.get("resourceVersion") or 0)
        async with self._lock:
            mark = await self._buses[request.resource].mark()
            objs = [o.raw for o in self._get_objs(request, strict=False) if not o.deleted]
        for obj in objs:
            if int(obj.get("metadata", {}).get("resourceVersion") or 0) > since:
                yield {"type": "ADDED", "object": obj}
        async for event in self._buses[request.resource].stream(since=mark):
            meta = event.get("object", {}).get("metadata", {})
            ns_ok = request.namespace is None or meta.get("namespace") == request.namespace
            if ns_ok and (request.name is None or meta.get("name") == request.name):
                yield event

    def count_writes(self, *, exclude_events: bool = True) -> int:
        return sum(1 for _, path in self.writes if not (exclude_events and "/events" in path))


def _patched(current: dict[str, Any], patch: Any, subresource: str | None) -> dict[str, Any]:
    base = _copy(current)
    if isinstance(patch, list):
        try:
            new: dict[str, Any] = jsonpatch.apply_patch(base, patch, in_place=False)
        except (jsonpatch.JsonPatchTestFailed, jsonpatch.JsonPatchConflict) as exc:
            raise kmock.KubernetesError(422, "Invalid", f"JSON patch failed: {exc}") from exc
    else:
        new = _merge(base, dict(patch or {}))
    if subresource == "status":
        # Only .status changes through the status subresource.
        result: dict[str, Any] = _copy(current)
        result["status"] = new.get("status", {})
        return result
    # A main-resource write cannot change .status of a resource with a status subresource.
    if current.get("apiVersion", "").startswith("tradingbot.dev/"):
        new["status"] = current.get("status", {})
    return new


def _merge(base: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result


def _copy(obj: Any) -> Any:
    import copy

    return copy.deepcopy(obj)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _selector(raw: str) -> dict[str, str]:
    pairs = [p.split("=", 1) for p in raw.split(",") if "=" in p]
    return {k.strip(): v.strip() for k, v in pairs}


def _labels_match(obj: dict[str, Any], selector: dict[str, str]) -> bool:
    labels = obj.get("metadata", {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())
