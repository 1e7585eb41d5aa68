# shellcheck shell=bash
# Sourced by the scripts in scripts/: strict mode, the repository root as working directory, and the
# repository's Python. The work itself is done by `python -m tradingbot.toolkit` / `python -m tradingbot`.
set -euo pipefail

TB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$TB_ROOT"

# The repository's venv; a fresh clone gets it from `make setup` on first use.
tb_python() {
  if [[ ! -x "$TB_ROOT/.venv/bin/python" ]]; then
    echo "[setup] .venv is missing: running make setup" >&2
    make -C "$TB_ROOT" setup >&2
  fi
  printf '%s\n' "$TB_ROOT/.venv/bin/python"
}

# Run a toolkit command (runtime detection, checks, gates) in place of this shell.
tb_toolkit() {
  local py
  py=$(tb_python)
  exec "$py" -m tradingbot.toolkit "$@"
}

# Run a bot CLI subcommand (report, drill, replay, ...) in place of this shell.
tb_cli() {
  local py
  py=$(tb_python)
  exec "$py" -m tradingbot "$@"
}
