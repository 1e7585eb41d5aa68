#!/usr/bin/env bash
# The operator's end-to-end scenarios on a real Kubernetes cluster (make e2e-kind; CI: .github/workflows/e2e-kind.yml).
#
#   1. create a kind cluster (its own kubeconfig under .cache/kind, the user's ~/.kube/config is not touched)
#   2. build the bot and operator images (bot/Dockerfile, operator/Dockerfile) and load them into the nodes
#   3. install charts/tradingbot-operator (CRD, RBAC, one operator replica) into the test namespace
#   4. run tests/e2e (pytest -m e2e): create -> Ready, failing image -> rollback, secret rotation,
#      operator restart mid-gate, bad CR refused by the API server with the CRD's CEL message
#   5. on failure: diagnostics (kubectl get/describe, events, operator and bot logs) to stdout and
#      .cache/kind/diagnostics/; always: delete the cluster (trap)
#
# Environment:
#   KIND_CLUSTER_NAME    cluster name (default tradingbot-e2e)
#   KIND_NODE_IMAGE      kindest/node image to use (default: kind's own default)
#   E2E_NAMESPACE        namespace of the operator and the bots (default tradingbot-e2e)
#   E2E_KEEP_CLUSTER=1   keep the cluster afterwards (for debugging; delete it with `kind delete cluster`)
#   PYTEST_ADDOPTS       extra pytest options (e.g. -k rollback)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cluster=${KIND_CLUSTER_NAME:-tradingbot-e2e}
namespace=${E2E_NAMESPACE:-tradingbot-e2e}
tag=e2e
bot_image=tradingbot:$tag
operator_image=tradingbot-operator:$tag
work=$root/.cache/kind
kubeconfig=$work/kubeconfig-$cluster
py=${PYTHON:-$root/.venv/bin/python}
helm=${HELM:-$root/.cache/bin/helm}
t_start=$SECONDS

say() { echo "[e2e-kind] $*"; }
fail() {
  say "FAIL: $*"
  exit 1
}

diagnostics() {
  local out=$work/diagnostics
  mkdir -p "$out"
  say "diagnostics (also in ${out#"$root"/}/):"
  {
    kubectl get nodes -o wide
    kubectl -n "$namespace" get all,tradingbots,controllerrevisions,configmaps,secrets,pvc -o wide
    kubectl -n "$namespace" describe tradingbots
    kubectl -n "$namespace" get tradingbots -o yaml
    kubectl -n "$namespace" get events --sort-by=.lastTimestamp
    kubectl -n "$namespace" describe pods
  } 2>&1 | tee "$out/cluster.txt"
  kubectl -n "$namespace" logs deployment/tradingbot-operator --all-containers --tail=500 >"$out/operator.log" 2>&1
  kubectl -n "$namespace" logs deployment/tradingbot-operator --all-containers --previous --tail=200 \
    >"$out/operator-previous.log" 2>&1 || true
  tail -n 100 "$out/operator.log"
  local pod
  for pod in $(kubectl -n "$namespace" get pods -l app.kubernetes.io/name=tradingbot -o name 2>/dev/null); do
    kubectl -n "$namespace" logs "$pod" --tail=300 >"$out/${pod#pod/}.log" 2>&1
  done
}

cleanup() {
  local rc=$?
  set +e
  if [[ ${cluster_up:-0} == 1 ]]; then
    ((rc != 0)) && diagnostics
    if [[ -z ${E2E_KEEP_CLUSTER:-} ]]; then
      kind delete cluster --name "$cluster" --kubeconfig "$kubeconfig" >/dev/null 2>&1
      say "cluster $cluster deleted"
    else
      say "cluster kept: export KUBECONFIG=$kubeconfig"
    fi
  fi
  if ((rc == 0)); then say "PASS in $((SECONDS - t_start))s"; else say "exit $rc after $((SECONDS - t_start))s"; fi
  exit "$rc"
}
trap cleanup EXIT

for tool in kind kubectl docker; do
  command -v "$tool" >/dev/null || fail "$tool not found: the kind end-to-end suite needs kind, kubectl and docker"
done
[[ -x $helm ]] || fail "helm not found at $helm: run make tools"
[[ -x $py ]] || fail "$py not found: run make setup"
docker info >/dev/null 2>&1 || fail "docker does not answer (is the engine running?)"

mkdir -p "$work"
export KUBECONFIG=$kubeconfig

say "stage=cluster name=$cluster"
kind_args=(create cluster --name "$cluster" --kubeconfig "$kubeconfig" --wait 120s)
[[ -n ${KIND_NODE_IMAGE:-} ]] && kind_args+=(--image "$KIND_NODE_IMAGE")
kind "${kind_args[@]}"
cluster_up=1
kubectl version

say "stage=images"
docker build -f bot/Dockerfile -t "$bot_image" .
docker build -f operator/Dockerfile -t "$operator_image" .
kind load docker-image "$bot_image" "$operator_image" --name "$cluster"

say "stage=install namespace=$namespace"
kubectl create namespace "$namespace"
"$helm" upgrade --install tradingbot-operator charts/tradingbot-operator \
  --namespace "$namespace" \
  --set image.repository=tradingbot-operator --set image.tag="$tag" --set image.pullPolicy=Never \
  --set operator.logLevel=debug \
  --wait --timeout 180s
kubectl wait --for=condition=Established crd/tradingbots.tradingbot.dev --timeout=60s
kubectl -n "$namespace" rollout status deployment/tradingbot-operator --timeout=120s

say "stage=tests"
E2E_REQUIRE_CLUSTER=1 E2E_NAMESPACE=$namespace E2E_BOT_IMAGE=$bot_image \
  E2E_OPERATOR_DEPLOYMENT=tradingbot-operator \
  "$py" -m pytest tests/e2e -m e2e -p no:cacheprovider -v --timeout=900
