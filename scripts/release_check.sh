#!/usr/bin/env bash
# Release check: pre-commit, pytest (quick), pytest (live failover), pytest (coverage), smoke_live_daemon.
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_toolkit release-check "$@"
