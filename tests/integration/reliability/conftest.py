"""Fixtures of the reliability suites: the operator's emulated-API fixtures are reused as they are."""

from __future__ import annotations

from tests.support.operator_harness import bot, k8s, kmock_options, kubelet, operator

__all__ = ["bot", "k8s", "kmock_options", "kubelet", "operator"]
