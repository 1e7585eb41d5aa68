"""`python -m tradingbot_operator`: run the operator with its liveness endpoint."""

from __future__ import annotations

import asyncio

import kopf

from tradingbot_operator import logs
from tradingbot_operator.handlers import register_default
from tradingbot_operator.settings import OperatorSettings


def main() -> None:
    settings = OperatorSettings.from_env()
    logs.configure(settings.log_level, settings.log_format)
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


if __name__ == "__main__":
    main()
