#!/usr/bin/env bash
# Secrets rotation drill: old -> new placeholder secrets, healthz/metrics/smoke in each phase, then restore.
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_toolkit rotate-secrets "$@"
