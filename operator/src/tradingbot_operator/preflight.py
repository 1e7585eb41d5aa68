"""Before kopf starts: is there a Kubernetes API server to talk to?

kopf itself retries a missing or unreachable cluster forever with a traceback each time; a pod would
look alive while doing nothing. The operator instead waits a bounded time for the API server to answer
and then exits with one clear line, so the failure is visible (CrashLoopBackOff with the reason in the
log, or a non-zero exit on a laptop).
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from tradingbot_operator.kube import Connection


class ClusterUnavailableError(Exception):
    """No Kubernetes configuration, or its API server did not answer in time."""


def find_connection() -> Connection:
    """The in-cluster service account or the kubeconfig, as kopf finds them."""
    from kubernetes.config import ConfigException

    try:
        return Connection.from_environment()
    except (ConfigException, OSError) as exc:
        raise ClusterUnavailableError(
            "no Kubernetes configuration: not running in a cluster (no service account token) and no"
            f" usable kubeconfig (set KUBECONFIG or create ~/.kube/config): {exc}"
        ) from None


async def wait_reachable(server: str, wait_seconds: float) -> None:
    """Return once the API server answers anything over HTTP; ClusterUnavailableError after wait_seconds.

    Only reachability is checked: no credentials are sent and the certificate is not verified here
    (kopf verifies it with the real connection right after)."""
    deadline = time.monotonic() + wait_seconds
    pause, last = 0.2, "no attempt made"
    async with aiohttp.ClientSession(trust_env=False) as session:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                timeout = aiohttp.ClientTimeout(total=min(5.0, remaining))
                async with session.get(f"{server.rstrip('/')}/version", ssl=False, timeout=timeout):
                    return
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await asyncio.sleep(min(pause, remaining))  # back off between attempts, not a test wait
            pause = min(pause * 2, 5.0)
    raise ClusterUnavailableError(
        f"the Kubernetes API server at {server} did not answer within {wait_seconds:g} s"
        f" (TRADINGBOT_OPERATOR_CLUSTER_WAIT_SECONDS); last error: {last}"
    )


def check_cluster(wait_seconds: float) -> str:
    """The API server's URL once it answers; ClusterUnavailableError otherwise."""
    connection = find_connection()
    asyncio.run(wait_reachable(connection.server, wait_seconds))
    return connection.server
