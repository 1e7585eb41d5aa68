from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tradingbot.ops.lock import AlreadyRunning, InstanceLock


def test_second_instance_is_refused_with_dir_and_pid(tmp_path: Path) -> None:
    with InstanceLock(tmp_path):
        second = InstanceLock(tmp_path)
        with pytest.raises(AlreadyRunning) as info:
            second.acquire()
        assert info.value.pid == os.getpid()
        assert str(tmp_path) in str(info.value)
        assert f"pid {os.getpid()}" in str(info.value)
        assert not second.held
    # Released: a new instance gets it.
    with InstanceLock(tmp_path) as again:
        assert again.held


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    code = (
        "import sys, pathlib; from tradingbot.ops.lock import InstanceLock;"
        "lock = InstanceLock(pathlib.Path(sys.argv[1])); lock.acquire();"
        "print('locked', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning) as info:
            InstanceLock(tmp_path).acquire()
        assert info.value.pid == holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    # The kernel released the dead holder's lock.
    with InstanceLock(tmp_path):
        pass


def test_creates_var_dir(tmp_path: Path) -> None:
    with InstanceLock(tmp_path / "var" / "deep") as lock:
        assert lock.path.exists()
