"""Fixtures of the alert scenarios: the operator's emulated-API fixtures are reused as they are."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operator"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from operator_harness import bot, k8s, kmock_options, kubelet

__all__ = ["bot", "k8s", "kmock_options", "kubelet"]
