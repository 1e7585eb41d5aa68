"""The operations toolkit behind ``scripts/*.sh`` (docs/operations.md).

The bash scripts stay thin: they pick the repository's Python and call ``python -m tradingbot.toolkit`` (or
``python -m tradingbot report|drill``). Everything with logic lives here, one verb a module:
``runtime`` (compose | local process), ``probes`` (health/metrics/artifacts), ``smoke``, ``soak``,
``release``, ``gonogo``, ``golive``, ``report``, ``drill`` (with the read-only ``readonly`` facade) and
``rotate``.
"""
