#!/usr/bin/env bash
# Go/No-Go gate: release_check, replay_check, smoke x SMOKE_REPEAT_COUNT (3), bot restart, health/metrics, Go conditions.
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_toolkit go-nogo "$@"
