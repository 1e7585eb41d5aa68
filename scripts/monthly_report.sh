#!/usr/bin/env bash
# Monthly report from run_complete.json, run_progress.json and go_nogo_gate.log (+ the audit log).
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_cli report "$@"
