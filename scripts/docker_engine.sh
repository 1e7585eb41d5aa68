#!/usr/bin/env bash
# A private Docker engine for the e2e runs on machines without one (CI runners, sandboxes).
#
#   bash scripts/docker_engine.sh start    # install docker.io if missing, start dockerd, wait for its socket
#   bash scripts/docker_engine.sh stop     # stop the dockerd this script started (by its recorded PID)
#   bash scripts/docker_engine.sh status   # exit 0 when it answers, 1 otherwise
#   bash scripts/docker_engine.sh env      # print `export DOCKER_HOST=...` for eval
#
# The engine is isolated from any system Docker: its own --data-root, --exec-root, pidfile and socket under
# TRADINGBOT_DOCKER_DIR (default .cache/docker, git-ignored). It creates no bridge, no iptables rules and no
# ip6tables rules (--bridge=none --iptables=false --ip6tables=false): containers must use host networking
# (docker-compose.hostnet.yml), so nothing listens outside 127.0.0.1 unless a service asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${TRADINGBOT_DOCKER_DIR:-$PWD/.cache/docker}
sock=$dir/docker.sock
pidfile=$dir/dockerd.pid
log=$dir/dockerd.log
start_timeout=${TRADINGBOT_DOCKER_START_TIMEOUT:-60}

say() { echo "docker_engine: $*" >&2; }

running_pid() {
  # The recorded PID, only while that process is still a dockerd (PIDs get reused).
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/comm && $(</proc/"$pid"/comm) == dockerd ]] || return 1
  echo "$pid"
}

answers() { DOCKER_HOST=unix://$sock docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

install_engine() {
  command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && return 0
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "dockerd is not installed and cannot be installed here (needs root and apt-get); install docker.io"
    exit 2
  fi
  say "installing Debian docker.io"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io) \
    >"$dir/apt.log" 2>&1 || { say "apt-get install docker.io failed; see $dir/apt.log"; exit 2; }
}

start() {
  mkdir -p "$dir"
  if running_pid >/dev/null && answers; then
    say "already running (pid $(running_pid)), socket $sock"
    return 0
  fi
  install_engine
  if [[ $(id -u) != 0 ]]; then
    say "dockerd needs root (uid $(id -u)); run as root or use an existing engine via DOCKER_HOST"
    exit 2
  fi
  rm -f "$sock" "$pidfile"
  local t0=$SECONDS
  # setsid: the engine outlives this shell but not a `stop`; its containerd is a child in the same group.
  setsid dockerd \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$pidfile" \
    -H "unix://$sock" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --userland-proxy=false \
    ${TRADINGBOT_DOCKER_STORAGE_DRIVER:+--storage-driver "$TRADINGBOT_DOCKER_STORAGE_DRIVER"} \
    >"$log" 2>&1 </dev/null &
  local launched=$!
  local deadline=$((SECONDS + start_timeout))
  until answers; do
    if ! kill -0 "$launched" 2>/dev/null; then
      say "dockerd exited during start-up; last lines of $log:"
      tail -n 20 "$log" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      say "dockerd did not answer on $sock within ${start_timeout}s; last lines of $log:"
      tail -n 20 "$log" >&2
      kill "$launched" 2>/dev/null || true
      exit 1
    fi
    sleep 0.2
  done
  [[ -f $pidfile ]] || echo "$launched" >"$pidfile"
  say "started (pid $(<"$pidfile")) in $((SECONDS - t0))s, socket $sock"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    say "not running"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "dockerd (pid $pid) ignored SIGTERM for 30s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  # dockerd leaves its default network namespace bind-mounted under exec-root; leave no mount behind.
  local mnt
  for mnt in "$dir"/exec/netns/*; do
    if [[ -e $mnt ]] && mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || say "could not unmount $mnt"; fi
  done
  say "stopped (pid $pid)"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status)
    if pid=$(running_pid) && answers; then
      echo "running pid=$pid socket=$sock"
    else
      echo "stopped"
      exit 1
    fi
    ;;
  env) echo "export DOCKER_HOST=unix://$sock" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 64
    ;;
esac
