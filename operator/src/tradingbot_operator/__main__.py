"""`python -m tradingbot_operator`: run the operator with its liveness endpoint.

Exit status: 0 after a clean stop, 1 when no Kubernetes API server is reachable, 2 for bad settings
or arguments (one line per problem on stderr, no traceback).
"""

from __future__ import annotations

import asyncio
import logging
import sys

from tradingbot_operator import logs
from tradingbot_operator.settings import OperatorSettings, SettingsError, help_text

EXIT_NO_CLUSTER = 1
EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["ctl"]:  # `python -m tradingbot_operator ctl ...`: the rollout controls (ctl.py)
        from tradingbot_operator.ctl import main as ctl_main

        return ctl_main(args[1:])
    if any(a in ("-h", "--help") for a in args):
        print(help_text())
        return 0
    if args:
        print(f"tradingbot-operator: unexpected argument(s) {' '.join(args)}; see --help", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = OperatorSettings.from_env()
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"tradingbot-operator: {problem}", file=sys.stderr)
        return EXIT_USAGE
    logs.configure(settings.log_level, settings.log_format)

    # Imported after the settings check so `--help` and settings errors answer fast.
    import kopf

    from tradingbot_operator.handlers import register_default
    from tradingbot_operator.preflight import ClusterUnavailableError, check_cluster

    try:
        server = check_cluster(settings.cluster_wait_seconds)
    except ClusterUnavailableError as exc:
        print(f"tradingbot-operator: {exc}", file=sys.stderr)
        return EXIT_NO_CLUSTER
    logging.getLogger("tradingbot_operator").info("Kubernetes API server %s answers", server)
    register_default()
    namespaces = settings.namespace_list()
    # One replica only: kopf peering pauses other operators but is not leader election (docs/architecture.md).
    asyncio.run(
        kopf.operator(
            registry=kopf.get_default_registry(),
            standalone=True,
            clusterwide=not namespaces,
            namespaces=namespaces,
            liveness_endpoint=settings.liveness_endpoint,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
