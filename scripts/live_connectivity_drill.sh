#!/usr/bin/env bash
# Connectivity drill without orders; LIVE_DRILL_REAL_CONNECT=1 alone connects to the real GMO API.
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_cli drill "$@"
