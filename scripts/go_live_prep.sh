#!/usr/bin/env bash
# Final preflight: go_nogo_gate, soak_24h_gate (GO_LIVE_SOAK_*), monthly_report, live_connectivity_drill.
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_toolkit go-live-prep "$@"
