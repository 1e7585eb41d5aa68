"""Reuses the operator integration tests' emulated API, kubelet and bot (tests/integration/operator)."""

from __future__ import annotations

from tests.support.operator_harness import bot, k8s, kmock_options, kubelet

__all__ = ["bot", "k8s", "kmock_options", "kubelet"]
