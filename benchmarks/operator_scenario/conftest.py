"""Reuses the operator integration tests' emulated API, kubelet and bot (tests/integration/operator)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "integration" / "operator"))

from operator_harness import bot, k8s, kmock_options, kubelet  # type: ignore[import-not-found]

__all__ = ["bot", "k8s", "kmock_options", "kubelet"]
