"""Fixtures for the chart and manifest checks (the helpers live in charts_support.py)."""

from __future__ import annotations

from typing import Any

import pytest
from charts_support import CrdValidator, Rendered, RenderFn, helm_path, render_cached


@pytest.fixture(scope="session")
def helm() -> str:
    path = helm_path()
    if path is None:
        pytest.skip(
            "helm is not installed: run `make tools` (scripts/install_tools.sh installs .cache/bin/helm)"
        )
    return path


@pytest.fixture(scope="session")
def render(helm: str) -> RenderFn:
    """render(chart, values_file=None, *extra_helm_args) -> Rendered (cached per arguments)."""

    def _render(chart: str, values_file: Any = None, *extra: str) -> Rendered:
        return Rendered(*render_cached(helm, chart, None if values_file is None else str(values_file), extra))

    return _render


@pytest.fixture(scope="session")
def crd() -> dict[str, Any]:
    from tradingbot_operator.crd import build_crd

    return build_crd()


@pytest.fixture(scope="session")
def crd_validator(crd: dict[str, Any]) -> CrdValidator:
    return CrdValidator(crd)
