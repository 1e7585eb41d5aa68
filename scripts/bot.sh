#!/usr/bin/env bash
# The bot in the selected runtime: up | down | restart | status | logs (compose: docker-compose; local: a process).
# See docs/operations.md. Runtime: TRADINGBOT_RUNTIME=compose|local (auto-detected when unset).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tb_toolkit bot "$@"
