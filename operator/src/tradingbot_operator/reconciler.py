"""One reconcile pass of one TradingBot: reads, pure decisions, then the writes they ask for.

Level-triggered: every pass starts from what the API server holds now (a fresh GET), so a restarted
operator continues where the status says it was. A pass that finds nothing to change writes nothing.

Order of writes in a transition (as a built-in controller): the transition's Events, then the status
that records the intent, then the workload. So the status never says Ready/Stable about a revision the
StatefulSet does not run, a crash between any two writes leaves a status the next pass finishes from
(no second ControllerRevision or snapshot: both are looked up before they are created), and an Event
is never lost to a crash after its transition was recorded. Event names are derived from the
transition (rollout.event_name), so a repeated pass finds the Event it posted and does not post it
again.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from typing import Any

from pydantic import ValidationError

from tradingbot_operator import conditions as cond
from tradingbot_operator import controls, gate, health, render, revisions, rollout, steering
from tradingbot_operator import secrets as secrets_mod
from tradingbot_operator.gate import GateState, ProbeResult
from tradingbot_operator.health import Probe, ProbeTarget
from tradingbot_operator.passes import Pass, Runtime
from tradingbot_operator.passes import view as _view
from tradingbot_operator.render import BotRef
from tradingbot_operator.rollout import Action, Phase, RolloutView
from tradingbot_operator.spec import TradingBotSpec
from tradingbot_operator.specbase import spec_errors

log = logging.getLogger("tradingbot_operator")
__all__ = ["Runtime", "reconcile"]


async def reconcile(rt: Runtime, namespace: str, name: str) -> float:
    """Run one pass; return how long the caller may sleep before the next one."""
    body = await rt.api.get("TradingBot", namespace, name)
    if body is None or body["metadata"].get("deletionTimestamp"):
        rt.metrics.forget_bot(namespace, name)
        return rt.settings.resync_seconds
    # Before the pass can fail: a pass that keeps failing still shows the phase and deadline it left.
    rt.metrics.observe_bot(namespace, name, body.get("status") or {}, body.get("spec") or {})
    old_status = copy.deepcopy(body.get("status") or {})
    p = Pass(
        bot=BotRef.from_body(body),
        body=body,
        status=copy.deepcopy(old_status),
        written=old_status,
        generation=int(body["metadata"].get("generation") or 0),
        now=rt.clock(),
    )
    delay = rt.settings.resync_seconds
    requests = controls.read(body["metadata"].get("annotations"))
    for problem in requests.invalid:
        p.event("Warning", "InvalidControl", problem, problem)
    try:
        spec = TradingBotSpec.model_validate(body.get("spec") or {})
    except ValidationError as exc:
        # The CRD refuses these at admission; this catches a CRD older than the operator. A condition
        # and one Event per generation name the fields; nothing is rolled out and no pass is retried
        # sooner than the resync (the spec can only change with a new generation, which wakes us).
        problems = "; ".join(spec_errors(exc))
        message = f"invalid spec: {problems[:900]}{'...' if len(problems) > 900 else ''}"
        p.condition(cond.READY, "False", "InvalidSpec", message)
        p.condition(cond.PROGRESSING, "False", "InvalidSpec", message)
        p.event("Warning", "InvalidSpec", message, f"invalid-spec-{p.generation}")
        p.status["phase"] = p.status.get("phase") or Phase.PENDING.value
    else:
        if requests.paused:
            # Nothing is rolled out, gated or repaired; one-shot controls wait for the resume.
            if not controls.was_paused(p.status):
                steering.control(p, controls.pause(p.status, p.stamp), controls.PAUSED)
        elif spec.suspend:
            p.status["phase"] = Phase.SUSPENDED.value
            p.condition(
                cond.PROGRESSING, "False", "Suspended", "spec.suspend is true; the workload is left as it is"
            )
        else:
            if controls.was_paused(p.status):
                steering.control(p, controls.resume(p.status, p.stamp, spec.healthGate), controls.PAUSED)
            delay = await _reconcile_workload(rt, p, spec, requests)
    await _commit(rt, p)
    await steering.acknowledge(rt, p)
    rt.metrics.observe_bot(namespace, name, p.status, body.get("spec") or {})
    # `delay` counts from the pass's start (gate times are `p.now + ...`); the pass's own reads, probe
    # and writes have taken time since, so the caller sleeps only what is left. Returning `delay` as
    # is made every gate probe drift by one pass duration (seconds under load).
    return max(0.0, p.now + delay - rt.clock())


async def _reconcile_workload(
    rt: Runtime, p: Pass, spec: TradingBotSpec, requests: controls.Requests
) -> float:
    bot, api = p.bot, rt.api
    fetched = {
        n: await api.get("Secret", bot.namespace, n) for n in secrets_mod.referenced_secret_names(spec)
    }
    resolution = secrets_mod.resolve(spec, fetched)
    view = _view(p.status)
    if resolution.ok:
        p.condition(cond.SECRETS_READY, "True", "Resolved", "all referenced secrets resolved")
    else:
        was_ready = cond.get_condition(p.status.get("conditions") or [], cond.SECRETS_READY)
        if (
            was_ready is None
            or was_ready.get("reason") != resolution.reason
            or was_ready.get("status") != "False"
        ):
            was = was_ready or {}
            key = (
                f"{resolution.reason}|{was.get('status')}|{was.get('reason')}|{was.get('lastTransitionTime')}"
            )
            p.event("Warning", "SecretsNotReady", f"{resolution.problem}; nothing new is rolled out", key)
        p.condition(cond.SECRETS_READY, "False", resolution.reason, resolution.problem)

    configmap = render.render_configmap(bot, spec)
    snapshot = None
    if resolution.ok and resolution.data:
        snapshot = render.render_secret_snapshot(bot, resolution.data, resolution.hash)
    template = render.render_pod_template(
        bot, spec, configmap["metadata"]["name"], snapshot["metadata"]["name"] if snapshot else None
    )
    desired = revisions.revision_hash(template, resolution.hash) if resolution.ok else view.current
    if not desired:
        p.status["phase"] = Phase.PENDING.value
        p.condition(cond.READY, "False", "SecretsNotReady", "waiting for the referenced secrets")
        return rt.settings.resync_seconds

    policy = spec.healthGate
    steering.one_shot_controls(p, requests, desired, policy)
    for _ in range(3):  # a finished gate is acted on in the same pass
        view = _view(p.status)
        action = rollout.decide(desired, view)
        rt.metrics.reconciles.labels(action=action.value).inc()
        if action is Action.START:
            await _start(rt, p, spec, desired, template, configmap, snapshot, view)
            # The gate's first probe is due after initialDelaySeconds (0: at once, in the next pass).
            return float(policy.initialDelaySeconds)
        if action is Action.GATE:
            assert view.gate is not None
            if view.current != view.gate.revision and await _ensure_workload(rt, p, spec, view.gate.revision):
                # A recorded start whose StatefulSet patch did not happen (or was not recorded).
                p.status = rollout.record_applied(p.status, view.gate.revision)
            new_gate = await _gate_step(rt, p, spec, view.gate)
            p.status["gate"] = new_gate.to_status()
            if not new_gate.done:
                return gate.seconds_until_next(new_gate, p.now, policy)
            if not view.gate.done:  # counted once, when the gate ends
                rt.metrics.gate_results.labels(result=new_gate.result.value).inc()
            continue
        if action is Action.PROMOTE:
            p.status = rollout.record_promotion(p.status, p.stamp)
            p.event(
                "Normal",
                "GatePassed",
                f"revision {view.current} passed the health gate; it is now stable",
                rollout.transition_key(view),
            )
            # Pruned before the status says Stable: a reader that sees Stable sees the history pruned.
            await _prune(rt, p, spec)
            rt.metrics.rollout("succeeded")
            return policy.periodSeconds
        if action in (Action.ROLLBACK, Action.FAIL):
            await _fail(rt, p, spec, view, action)
            return policy.periodSeconds
        if action is Action.HOLD and not cond.is_true(p.status.get("conditions") or [], cond.DEGRADED):
            p.condition(
                cond.DEGRADED,
                "True",
                "RevisionFailed",
                f"desired revision {desired} failed its health gate before and is not retried; "
                f"change the spec or a secret to try a new revision",
            )
        await _ensure_workload(rt, p, spec, view.current)
        await _observe(rt, p, view.current, policy)
        return policy.periodSeconds
    return policy.periodSeconds


async def _start(
    rt: Runtime,
    p: Pass,
    spec: TradingBotSpec,
    desired: str,
    template: dict[str, Any],
    configmap: dict[str, Any],
    snapshot: dict[str, Any] | None,
    view: RolloutView,
) -> None:
    bot, api = p.bot, rt.api
    # What the revision needs, each looked up before it is created (a repeated pass creates nothing twice).
    await _ensure(rt, configmap)
    if snapshot is not None:
        await _ensure(rt, snapshot)
    history = await _history(rt, bot)
    existing = next((r for r in history if r.revision == desired), None)
    rev = existing or revisions.Revision(
        revision=desired,
        number=revisions.next_number(history),
        template=template,
        config_map=configmap["metadata"]["name"],
        secret_snapshot=snapshot["metadata"]["name"] if snapshot else None,
    )
    if existing is None:
        await api.create(revisions.render_controller_revision(bot, rev))
    previous = next((r for r in history if r.revision == view.current), None)
    key = rollout.transition_key(view)
    if previous is not None and previous.secret_snapshot != rev.secret_snapshot:
        p.event(
            "Normal",
            "SecretsChanged",
            f"referenced secret data changed; new snapshot {rev.secret_snapshot} in revision {desired}",
            key,
        )
    p.event(
        "Normal",
        "RolloutStarted",
        f"rolling out revision {desired}" + (f" (from {view.current})" if view.current else ""),
        key,
    )
    # Intent first: from here on the status says Progressing (not Ready) on `desired`, so nothing reads
    # Stable while the pod template changes; if the pass dies before the patch below, GATE re-applies it.
    p.status = rollout.record_start(p.status, desired, p.stamp, spec.healthGate)
    await _commit(rt, p)
    rt.metrics.rollout("started")
    await _ensure(rt, render.render_service(bot))
    await _apply_statefulset(rt, p, spec, rev)
    # Only now does the status name `desired` as what the StatefulSet carries.
    p.status = rollout.record_applied(p.status, desired)


async def _gate_step(rt: Runtime, p: Pass, spec: TradingBotSpec, state: GateState) -> GateState:
    policy = spec.healthGate
    if not gate.is_due(state, p.now):
        return gate.check_deadline(state, p.now, policy)
    # A probe may not outlast the period (as kubelet's timeoutSeconds <= periodSeconds): a hanging
    # /healthz must cost one period per failure, not the operator-wide probe timeout.
    probe = await _probe(
        rt, p, state.revision, limit_seconds=min(rt.settings.probe_timeout_seconds, policy.periodSeconds)
    )
    if probe.result is ProbeResult.HEALTHY:
        probe = await steering.analyse(rt, p, state.revision, probe)
    if probe.result is ProbeResult.PENDING:
        # No pod of the gated revision yet: maybe the StatefulSet was never patched (the pass that
        # recorded the rollout died, or its patch failed). A GET while pending, a patch only if so.
        await _ensure_workload(rt, p, spec, state.revision)
    new = gate.record(state, probe.result, p.now, policy)
    if probe.monitor_status:
        p.status["monitorStatus"] = probe.monitor_status
    if new.result is gate.GateResult.FAILED and probe.result is ProbeResult.UNHEALTHY:
        new = dataclasses.replace(new, reason=f"{new.reason}; last: {probe.detail}")
    return new


async def _probe(rt: Runtime, p: Pass, revision: str, limit_seconds: float | None = None) -> Probe:
    pod = await rt.api.get("Pod", p.bot.namespace, render.pod_name(p.bot))
    target = health.pod_target(p.bot, revision, pod, rt.settings.health_url_template)
    probe = (
        await rt.prober.probe(target, limit_seconds=limit_seconds)
        if isinstance(target, ProbeTarget)
        else target
    )
    rt.metrics.probes.labels(result=probe.result.value).inc()
    return probe


async def _fail(rt: Runtime, p: Pass, spec: TradingBotSpec, view: RolloutView, action: Action) -> None:
    failed_rev = view.gate.revision if view.gate else view.current
    reason = view.gate.reason if view.gate else "health gate failed"
    key = rollout.transition_key(view)
    limit = rt.settings.failed_revisions_limit
    p.event("Warning", "GateFailed", f"revision {failed_rev} failed the health gate: {reason}", key)
    if action is Action.ROLLBACK:
        history = await _history(rt, p.bot)
        stable = next((r for r in history if r.revision == view.stable), None)
        if stable is not None:
            p.event(
                "Warning",
                "RolledBack",
                f"rolled back from revision {failed_rev} to stable revision {stable.revision}",
                key,
            )
            # Intent first: the rollback is in the status (phase RollingBack, currentRevision still the
            # failed template) before the StatefulSet goes back; if the pass dies in between, the next
            # one decides ROLLBACK again and finishes it. RolledBack and currentRevision=stable are
            # written only once the StatefulSet carries the stable template.
            p.status = rollout.record_rollback(p.status, failed_rev, stable.revision, reason, p.stamp, limit)
            await _commit(rt, p)
            await _apply_statefulset(rt, p, spec, stable)
            rt.metrics.rollbacks.labels(namespace=p.bot.namespace, name=p.bot.name).inc()
            rt.metrics.rollout("rolled_back")
            cause = "Aborted" if reason.startswith(controls.ABORT_REASON) else "RolledBack"
            p.status = rollout.record_rolled_back(p.status, stable.revision, p.stamp, cause)
            await _prune(rt, p, spec)
            return
    p.status = rollout.record_failure(p.status, failed_rev, reason, p.stamp, limit)
    rt.metrics.rollout("failed")


async def _observe(rt: Runtime, p: Pass, current: str, policy: Any) -> None:
    """Steady state: keep Ready and monitorStatus in step with the bot (reads only)."""
    probe = await _probe(rt, p, current)
    if probe.monitor_status:
        p.status["monitorStatus"] = probe.monitor_status
    if p.status.get("phase") in (Phase.FAILED.value,):
        return
    # Only a flip of Ready is written: a steady state must not rewrite the status on every probe.
    ready = cond.is_true(p.status.get("conditions") or [], cond.READY)
    if probe.result is ProbeResult.HEALTHY and not ready:
        p.condition(cond.READY, "True", "Healthy", f"revision {current} answers healthy")
    elif probe.result is ProbeResult.UNHEALTHY and ready:
        p.condition(cond.READY, "False", "Unhealthy", f"revision {current}: {probe.detail}")


async def _ensure(rt: Runtime, obj: dict[str, Any]) -> None:
    meta = obj["metadata"]
    if await rt.api.get(obj["kind"], meta["namespace"], meta["name"]) is None:
        await rt.api.create(obj)


async def _history(rt: Runtime, bot: BotRef) -> list[revisions.Revision]:
    items = await rt.api.list(
        "ControllerRevision", bot.namespace, {**render.selector_labels(bot), revisions.HISTORY_LABEL: "true"}
    )
    return [revisions.Revision.from_object(i) for i in items]


async def _apply_statefulset(rt: Runtime, p: Pass, spec: TradingBotSpec, rev: revisions.Revision) -> None:
    bot = p.bot
    desired = render.render_statefulset(bot, spec, rev.template, rev.revision)
    existing = await rt.api.get("StatefulSet", bot.namespace, render.statefulset_name(bot))
    if existing is None:
        await rt.api.create(desired)
        return
    await rt.api.json_patch(
        "StatefulSet",
        bot.namespace,
        desired["metadata"]["name"],
        [
            {"op": "replace", "path": "/spec/template", "value": desired["spec"]["template"]},
            {"op": "replace", "path": "/spec/replicas", "value": 1},
            {"op": "add", "path": "/metadata/annotations", "value": desired["metadata"]["annotations"]},
        ],
    )


async def _ensure_workload(rt: Runtime, p: Pass, spec: TradingBotSpec, current: str) -> bool:
    """Repair drift (a deleted or edited StatefulSet) back to `current`; True if it carries it now."""
    sts = await rt.api.get("StatefulSet", p.bot.namespace, render.statefulset_name(p.bot))
    annotations = ((sts or {}).get("metadata") or {}).get("annotations") or {}
    if (
        sts is not None
        and annotations.get(render.REVISION_LABEL) == current
        and sts["spec"].get("replicas") == 1
    ):
        return True
    rev = next((r for r in await _history(rt, p.bot) if r.revision == current), None)
    if rev is None:
        return False
    log.info("repairing StatefulSet of %s/%s to revision %s", p.bot.namespace, p.bot.name, current)
    await _ensure(rt, render.render_service(p.bot))
    await _apply_statefulset(rt, p, spec, rev)
    return True


async def _prune(rt: Runtime, p: Pass, spec: TradingBotSpec) -> None:
    bot = p.bot
    history = await _history(rt, bot)
    protected = {str(p.status.get("currentRevision") or ""), str(p.status.get("stableRevision") or "")}
    protected.add(str((p.status.get("gate") or {}).get("revision") or ""))
    doomed = revisions.prune(history, spec.revisionHistoryLimit, protected)
    for rev in doomed:
        await rt.api.delete(
            "ControllerRevision", bot.namespace, revisions.controller_revision_name(bot, rev.revision)
        )
    kept = [r for r in history if r not in doomed]
    configs, snapshots = revisions.referenced(kept)
    for kind, keep, component in (("ConfigMap", configs, "settings"), ("Secret", snapshots, "secrets")):
        owned = await rt.api.list(
            kind, bot.namespace, {**render.selector_labels(bot), "app.kubernetes.io/component": component}
        )
        for obj in owned:
            if obj["metadata"]["name"] not in keep:
                await rt.api.delete(kind, bot.namespace, obj["metadata"]["name"])


async def _commit(rt: Runtime, p: Pass) -> None:
    """Post the pass's queued Events, then write what changed in the status since the last write."""
    for ev in p.events:
        log.info("%s/%s: %s %s", p.bot.namespace, p.bot.name, ev.reason, ev.message)
        try:
            # Named after the transition: found if a pass that died before its status write posted it.
            if await rt.api.get("Event", p.bot.namespace, ev.name) is None:
                await rt.api.event(p.body, ev.type, ev.reason, ev.message, name=ev.name)
        except Exception:  # an Event is best effort; the status write below must not depend on it
            log.exception("posting event %s failed", ev.reason)
    p.events = []
    p.status["observedGeneration"] = p.generation
    if p.status != p.written:
        patch = {k: v for k, v in p.status.items() if p.written.get(k) != v}
        patch.update({k: None for k in p.written if k not in p.status})
        await rt.api.patch("TradingBot", p.bot.namespace, p.bot.name, {"status": patch}, subresource="status")
        p.written = copy.deepcopy(p.status)
