"""Fixtures of the reliability suites: the operator's emulated-API fixtures are reused as they are."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operator"))

from operator_harness import bot, k8s, kmock_options, kubelet, operator

__all__ = ["bot", "k8s", "kmock_options", "kubelet", "operator"]
