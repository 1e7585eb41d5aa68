#!/usr/bin/env bash
# 24h soak gate: the smoke check SOAK_TOTAL_ITERATIONS (288) times every SOAK_INTERVAL_SECONDS (300).
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_toolkit soak "$@"
