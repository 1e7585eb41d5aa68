#!/usr/bin/env bash
# Builds the bot image's base without a registry: a minimal Debian bookworm root file system (debootstrap)
# with python3 (3.11 on bookworm) and python3-venv, imported into the engine as tradingbot-base:bookworm.
# Use it with `--build-arg BOT_BASE_IMAGE=tradingbot-base:bookworm` (docker-compose: BOT_BASE_IMAGE=... in
# the environment) where python:3.11-slim cannot be pulled.
#
#   bash scripts/build_base_image.sh          # needs DOCKER_HOST (see scripts/docker_engine.sh env) and root
#   bash scripts/build_base_image.sh build    # the builder stage's base: the same plus a C compiler and
#                                             # Python's headers (gcc, libc6-dev, python3-dev), imported as
#                                             # tradingbot-build:bookworm (BOT_BUILD_IMAGE), for the bot's
#                                             # compiled decoder; the runtime image never gets a compiler
#
# The root file system is cached as a tarball under .cache/base/, so later runs only `docker import` it
# (seconds). The Debian mirror is the one apt is configured with on this machine (read from
# /etc/apt/sources.list*), or TRADINGBOT_DEBIAN_MIRROR when set.
set -euo pipefail
cd "$(dirname "$0")/.."

suite=bookworm
packages=python3,python3-venv,ca-certificates,tzdata
case ${1:-runtime} in
  runtime) image=${TRADINGBOT_BASE_IMAGE:-tradingbot-base:bookworm} ;;
  build)
    image=${TRADINGBOT_BUILD_IMAGE:-tradingbot-build:bookworm}
    packages=$packages,gcc,libc6-dev,python3-dev
    ;;
  *)
    echo "build_base_image: unknown flavour '$1'; accepted: runtime (default) or build" >&2
    exit 2
    ;;
esac
cache=${TRADINGBOT_BASE_CACHE:-$PWD/.cache/base}
tarball=$cache/$suite-$(printf '%s' "$packages" | sha256sum | cut -c1-12).tar

say() { echo "build_base_image: $*" >&2; }

apt_mirror() {
  # First URI that serves the plain suite (not -security/-updates), from deb822 or one-line sources.
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    awk -v suite="$suite" '
      /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }
    ' "$f" | head -n1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    awk -v suite="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i + 1) == suite) print $i; break } }' "$f"
  done
}

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  say "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); start one: bash scripts/docker_engine.sh start"
  exit 2
fi

if docker image inspect "$image" >/dev/null 2>&1 && [[ -z ${TRADINGBOT_BASE_REBUILD:-} ]]; then
  say "$image already present"
  exit 0
fi

t0=$SECONDS
if [[ ! -s $tarball ]]; then
  if [[ $(id -u) != 0 ]]; then
    say "debootstrap needs root; or put a cached root file system at $tarball"
    exit 2
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap) >/dev/null
  fi
  mirror=${TRADINGBOT_DEBIAN_MIRROR:-$(apt_mirror | head -n1)}
  if [[ -z $mirror ]]; then
    say "no Debian mirror for '$suite' in /etc/apt/sources.list*; set TRADINGBOT_DEBIAN_MIRROR"
    exit 2
  fi
  mkdir -p "$cache"
  root=$(mktemp -d "$cache/root.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  say "debootstrap $suite (minbase + $packages) from the apt mirror"
  if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    say "debootstrap failed; last lines of $cache/debootstrap.log:"
    tail -n 20 "$cache/debootstrap.log" >&2
    exit 1
  fi
  # Slim it: package caches, lists, docs and man pages are not needed at run time.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/tmp/*
  tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  say "root file system cached at $tarball ($(du -h "$tarball" | cut -f1)) in $((SECONDS - t0))s"
fi

docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  "$tarball" "$image" >/dev/null
say "imported $image in $((SECONDS - t0))s total"
