#!/usr/bin/env bash
# Pre-production smoke: health/metrics/artifacts (SMOKE_REPEAT_COUNT times); --simulate-failure forces the failure path.
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_toolkit smoke "$@"
