"""manifests/ and the chart's CRD copy are exactly what `make manifests` generates."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from charts_support import REPO


def test_generated_files_do_not_drift(helm: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_manifests.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"HELM": helm, "PATH": "/usr/bin:/bin"},
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "files match their sources" in proc.stdout


def test_check_detects_drift(
    helm: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The drift check can fail: a generated file that differs from the checked-in one is reported with a
    diff, and a checked-in file that is not generated any more is reported too (nothing on disk changes)."""
    monkeypatch.setenv("HELM", helm)
    spec = importlib.util.spec_from_file_location(
        "gen_manifests_under_test", REPO / "scripts" / "gen_manifests.py"
    )
    assert spec is not None
    assert spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    files = gen.render()
    role = REPO / "manifests" / "rbac" / "role-tradingbot-operator.yaml"
    assert gen.check(files) == 0
    edited = {**files, role: files[role].replace("- patch", "- update", 1)}
    assert gen.check(edited) == 1
    err = capsys.readouterr().err
    assert "role-tradingbot-operator.yaml" in err
    assert "make manifests" in err
    assert "+  - update" in err
    fewer = {k: v for k, v in files.items() if k != role}
    assert gen.check(fewer) == 1
    assert "not generated any more" in capsys.readouterr().err
