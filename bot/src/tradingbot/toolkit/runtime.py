"""Where the bot runs: ``compose`` (docker-compose, production) or ``local`` (a process on this machine).

``TRADINGBOT_RUNTIME=compose|local`` picks one; unset, :func:`detect_runtime` chooses compose when a Docker
engine answers, ``docker-compose.yml`` exists and the compose CLI is installed, else local. The local runtime
runs ``python scripts/run_live.py`` (paper mode with the embedded simulator unless configured otherwise),
keeps its pid in ``var/run/bot.pid`` and its output in ``var/logs/bot.stdout.log``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tradingbot import layout
from tradingbot.toolkit.console import Console, iso, utc_now
from tradingbot.toolkit.probes import HttpProbe, http_get, read_artifact
from tradingbot.toolkit.settings import ToolkitSettings

LOG_TAIL = 200
_POLL = 0.2


@dataclass(frozen=True)
class Detection:
    name: str  # "compose" | "local"
    reason: str


def _which(settings: ToolkitSettings, program: str) -> str | None:
    found = shutil.which(program)
    if found is None:
        venv_bin = settings.repo_root / ".venv" / "bin" / program
        found = str(venv_bin) if venv_bin.exists() else None
    return found


def detect_runtime(settings: ToolkitSettings) -> Detection:
    if settings.runtime is not None:
        return Detection(settings.runtime, "TRADINGBOT_RUNTIME")
    if not (settings.repo_root / "docker-compose.yml").exists():
        return Detection("local", "auto: no docker-compose.yml")
    if _which(settings, settings.compose_cmd[0]) is None:
        return Detection("local", f"auto: {settings.compose_cmd[0]} not installed")
    docker = shutil.which("docker")
    if docker is None:
        return Detection("local", "auto: no docker CLI")
    try:
        answered = subprocess.run(  # noqa: S603 - fixed argv
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return Detection("local", "auto: no docker engine answered")
    if answered.returncode != 0:
        return Detection("local", "auto: no docker engine answered")
    return Detection("compose", "auto: docker engine answers and docker-compose.yml is present")


class Runtime(Protocol):
    name: str

    def is_running(self) -> bool: ...
    def start(self, console: Console, env: Mapping[str, str] | None = None) -> bool: ...
    def stop(self, console: Console) -> bool: ...
    def restart(
        self, console: Console, env: Mapping[str, str] | None = None, *, recreate: bool = False
    ) -> bool: ...
    def status_lines(self) -> list[str]: ...
    def log_lines(self, count: int = LOG_TAIL) -> list[str]: ...
    def status_title(self) -> str: ...
    def logs_title(self) -> str: ...
    def secrets_dir(self) -> Path: ...


def wait_healthy(settings: ToolkitSettings, timeout: float, alive: object = None) -> HttpProbe:
    """Poll /healthz until it answers 200 or ``timeout`` seconds pass; returns the last answer."""
    deadline = time.monotonic() + timeout
    probe = http_get(settings.healthz_url, timeout=2.0)
    while probe.status != 200 and time.monotonic() < deadline:
        if callable(alive) and not alive():
            break
        time.sleep(_POLL)
        probe = http_get(settings.healthz_url, timeout=2.0)
    return probe


# Children started by this process, so a stop can reap them instead of leaving zombies.
_children: dict[int, subprocess.Popen[bytes]] = {}


class LocalRuntime:
    name = "local"

    def __init__(self, settings: ToolkitSettings) -> None:
        self.settings = settings
        self.pid_file = settings.layout.bot_pid
        self.log_file = settings.layout.bot_stdout_log

    def command(self) -> list[str]:
        if self.settings.local_bot_cmd:
            return list(self.settings.local_bot_cmd)
        return [sys.executable, "scripts/run_live.py"]

    def _record(self) -> dict[str, object] | None:
        record, _ = read_artifact(self.pid_file)
        return record

    def pid(self) -> int | None:
        record = self._record()
        pid = record.get("pid") if record else None
        if not isinstance(pid, int) or not _alive(pid):
            return None
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def secrets_dir(self) -> Path:
        return self.settings.secrets_dir or Path("/run/secrets")

    def start(self, console: Console, env: Mapping[str, str] | None = None) -> bool:
        pid = self.pid()
        if pid is not None:
            console.say(f"bot already running (local runtime) pid={pid}")
            return self._await_healthy(console, pid)
        if http_get(self.settings.livez_url, timeout=1.0).status is not None:
            console.say(
                f"a bot already answers on {self.settings.ops_url} (not started by this toolkit); using it"
            )
            return self._await_healthy(console, None)
        child_env = dict(self.settings.environ)
        child_env.setdefault("TRADINGBOT_MODE", "paper")
        child_env.update(env or {})
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        argv = self.command()
        with self.log_file.open("ab") as log:
            log.write(f"--- {iso(utc_now())} started by the toolkit: {' '.join(argv)}\n".encode())
            log.flush()
            child = subprocess.Popen(  # noqa: S603 - argv from settings, no shell
                argv,
                cwd=self.settings.repo_root,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives the script, like a compose service
            )
        _children[child.pid] = child
        record = {"pid": child.pid, "argv": argv, "started_at": iso(utc_now())}
        self.pid_file.write_text(json.dumps(record) + "\n", encoding="utf-8")
        console.say(f"bot started (local runtime) pid={child.pid} log={self._shown(self.log_file)}")
        return self._await_healthy(console, child.pid)

    def _await_healthy(self, console: Console, pid: int | None) -> bool:
        probe = wait_healthy(
            self.settings, self.settings.start_timeout, (lambda: _alive(pid)) if pid is not None else None
        )
        if probe.status == 200:
            return True
        if pid is not None and not _alive(pid):
            console.say(
                f"bot process pid={pid} exited during start-up; last lines of {self._shown(self.log_file)}:"
            )
            for line in self.log_lines(20):
                console.raw(line)
            return False
        console.say(
            f"bot not healthy within {self.settings.start_timeout:g}s: {self.settings.healthz_url} -> "
            f"{probe.shown_status}"
        )
        return False

    def stop(self, console: Console) -> bool:
        record = self._record()
        pid = record.get("pid") if record else None
        if not isinstance(pid, int) or not _alive(pid):
            console.say("bot not running (local runtime)")
            self.pid_file.unlink(missing_ok=True)
            return True
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.stop_timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(_POLL)
        graceful = not _alive(pid)
        if not graceful:
            console.say(f"bot pid={pid} ignored SIGTERM for {self.settings.stop_timeout:g}s; sending SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(_POLL)
        self.pid_file.unlink(missing_ok=True)
        child = _children.pop(pid, None)
        code = child.wait() if child is not None else None
        console.say(
            f"bot stopped (local runtime) pid={pid}" + (f" exit_code={code}" if code is not None else "")
        )
        return graceful

    def restart(
        self, console: Console, env: Mapping[str, str] | None = None, *, recreate: bool = False
    ) -> bool:
        if self.pid() is None and http_get(self.settings.livez_url, timeout=1.0).status is not None:
            # Not ours to stop (e.g. `make run` in another terminal): a silent no-op would fake a restart.
            console.say(
                f"cannot restart: the bot on {self.settings.ops_url} was not started by the toolkit "
                f"(no {self.pid_file}); stop it and use bash scripts/bot.sh up"
            )
            return False
        self.stop(console)
        return self.start(console, env)

    def status_title(self) -> str:
        return "bot process status (local runtime; compose: docker-compose ps)"

    def logs_title(self) -> str:
        return (
            f"last {LOG_TAIL} lines of {self._shown(self.log_file)} "
            "(local runtime; compose: docker-compose logs --tail=200 bot)"
        )

    def status_lines(self) -> list[str]:
        record = self._record()
        pid = self.pid()
        lines = [
            f"runtime=local pid_file={self._shown(self.pid_file)}",
            f"process: pid={pid} running" if pid is not None else "process: not running",
        ]
        if record:
            argv = record.get("argv")
            shown = " ".join(str(a) for a in argv) if isinstance(argv, list) else "?"
            lines.append(f"started_at={record.get('started_at')} argv={shown}")
        lines.append(f"livez: {http_get(self.settings.livez_url, timeout=2.0).shown_status}")
        lines.append(f"healthz: {http_get(self.settings.healthz_url, timeout=2.0).shown_status}")
        return lines

    def log_lines(self, count: int = LOG_TAIL) -> list[str]:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return [f"({self._shown(self.log_file)} does not exist)"]
        return text.splitlines()[-count:]

    def _shown(self, path: Path) -> str:
        with contextlib.suppress(ValueError):
            return str(path.relative_to(self.settings.repo_root))
        return str(path)


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    # A zombie (state Z) has exited; only its parent has not reaped it yet.
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


class ComposeRuntime:
    name = "compose"

    def __init__(self, settings: ToolkitSettings) -> None:
        self.settings = settings

    def _cmd(self, *args: str) -> list[str]:
        head = list(self.settings.compose_cmd)
        head[0] = _which(self.settings, head[0]) or head[0]
        return [*head, *args]

    def _run(self, args: Sequence[str], console: Console | None = None) -> tuple[int, list[str]]:
        try:
            done = subprocess.run(  # noqa: S603 - argv from settings, no shell
                self._cmd(*args),
                cwd=self.settings.repo_root,
                capture_output=True,
                text=True,
                timeout=max(self.settings.start_timeout, 120.0),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return 127, [f"docker-compose {' '.join(args)} failed: {exc}"]
        lines = (done.stdout + done.stderr).splitlines()
        if console is not None:
            for line in lines:
                console.raw(line)
        return done.returncode, lines

    def is_running(self) -> bool:
        code, lines = self._run(["ps", "-q", "bot"])
        return code == 0 and any(line.strip() for line in lines)

    def secrets_dir(self) -> Path:
        return self.settings.repo_root / "secrets"

    def start(self, console: Console, env: Mapping[str, str] | None = None) -> bool:
        console.say("docker-compose up -d --build")
        code, _ = self._run(["up", "-d", "--build"], console)
        return code == 0 and wait_healthy(self.settings, self.settings.start_timeout).status == 200

    def stop(self, console: Console) -> bool:
        console.say("docker-compose down")
        code, _ = self._run(["down"], console)
        return code == 0

    def restart(
        self, console: Console, env: Mapping[str, str] | None = None, *, recreate: bool = False
    ) -> bool:
        # ./secrets is staged into the container at creation: a secrets change needs a recreate.
        args = ["up", "-d", "--force-recreate", "bot"] if recreate else ["restart", "bot"]
        console.say("docker-compose " + " ".join(args))
        code, _ = self._run(args, console)
        return code == 0 and wait_healthy(self.settings, self.settings.start_timeout).status == 200

    def status_title(self) -> str:
        return "docker-compose ps"

    def logs_title(self) -> str:
        return f"docker-compose logs --tail={LOG_TAIL} bot"

    def status_lines(self) -> list[str]:
        return self._run(["ps"])[1]

    def log_lines(self, count: int = LOG_TAIL) -> list[str]:
        return self._run(["logs", f"--tail={count}", "bot"])[1]


def make_runtime(settings: ToolkitSettings, detection: Detection) -> Runtime:
    return ComposeRuntime(settings) if detection.name == "compose" else LocalRuntime(settings)


def select(settings: ToolkitSettings, console: Console) -> Runtime:
    """Detect, print ``[tag] runtime=<name> (<reason>)`` and build the runtime."""
    detection = detect_runtime(settings)
    console.say(f"runtime={detection.name} ({detection.reason})")
    return make_runtime(settings, detection)


def child_env(settings: ToolkitSettings, runtime: Runtime, **extra: str) -> dict[str, str]:
    """The environment for nested scripts: the same runtime, so every stage looks at the same bot."""
    env = dict(settings.environ)
    env["TRADINGBOT_RUNTIME"] = runtime.name
    env.update(extra)
    return env


def print_diagnostics(settings: ToolkitSettings, runtime: Runtime, console: Console) -> None:
    """What the seed's escalation needs: status, the last 200 log lines and both artifacts."""
    console.raw(f"--- {runtime.status_title()} ---")
    for line in runtime.status_lines():
        console.raw(line)
    console.raw(f"--- {runtime.logs_title()} ---")
    for line in runtime.log_lines(LOG_TAIL):
        console.raw(line)
    print_run_artifacts(settings, console)


def print_run_artifacts(settings: ToolkitSettings, console: Console, *, heading: str = "") -> None:
    """Both run artifacts verbatim under a ``--- {heading}var/artifacts/<name> (<path>) ---`` line."""
    for name in (layout.RUN_PROGRESS, layout.RUN_COMPLETE):
        path = settings.layout.artifacts / name
        console.raw(f"--- {heading}{layout.shown(layout.ARTIFACTS_DIR, name)} ({path}) ---")
        try:
            console.raw(path.read_text(encoding="utf-8").rstrip())
        except FileNotFoundError:
            console.raw("(missing)")
