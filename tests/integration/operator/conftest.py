"""Fixtures of the operator's integration tests; the harness lives in operator_harness.py (a unique module
name: several test areas have a conftest.py, so tests never import from `conftest`)."""

from __future__ import annotations

from tests.support.operator_harness import bot, k8s, kmock_options, kubelet, operator

__all__ = ["bot", "k8s", "kmock_options", "kubelet", "operator"]
