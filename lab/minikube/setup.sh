#!/usr/bin/env bash
# Sets up the seed project's environment on Minikube, for users with Docker:
# Minikube (docker driver), Istio's demo profile, Argo CD 2.14, the Kiali,
# Prometheus and Jaeger add-ons, and the example Application (Bookinfo with
# the reviews canary at 90/10). It ends by printing the `gitshift verify`
# command to run next.
#
# This script is NOT exercised in CI: the CI machine has no Docker. Only its
# --dry-run is tested (lab/minikube/setup_test.go checks the printed plan).
# The no-Docker lab (`gitshift lab up --istiod`, docs/istiod.md) is what CI
# runs.
#
# Usage: lab/minikube/setup.sh [--dry-run] [--repo-url URL] [--profile NAME]
# Environment: ISTIO_VERSION (default 1.30.0), ARGOCD_VERSION (v2.14.21),
# MINIKUBE_CPUS (4), MINIKUBE_MEMORY (8192).
set -euo pipefail

ISTIO_VERSION=${ISTIO_VERSION:-1.30.0}
ARGOCD_VERSION=${ARGOCD_VERSION:-v2.14.21}
MINIKUBE_CPUS=${MINIKUBE_CPUS:-4}
MINIKUBE_MEMORY=${MINIKUBE_MEMORY:-8192}
PROFILE=gitshift
REPO_URL=https://github.com/gitshift/bookinfo-gitops.git
DRY_RUN=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --repo-url) REPO_URL=${2:?--repo-url needs a URL}; shift ;;
    --profile) PROFILE=${2:?--profile needs a name}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup.sh: unknown argument $1 (see --help)" >&2; exit 4 ;;
  esac
  shift
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
app="$root/examples/bookinfo-gitops/argocd/application.yaml"
addons="https://raw.githubusercontent.com/istio/istio/release-${ISTIO_VERSION%.*}/samples/addons"

# run prints a step; it runs it unless --dry-run.
run() {
  echo "+ $*"
  if [ "$DRY_RUN" = 0 ]; then
    "$@"
  fi
}

# need checks a command is on PATH (a warning only in --dry-run).
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    if [ "$DRY_RUN" = 1 ]; then
      echo "# note: $1 is not on PATH ($2)"
    else
      echo "setup.sh: $1 is not on PATH: $2" >&2
      exit 2
    fi
  fi
}

need docker "Minikube's docker driver needs a running Docker"
need minikube "https://minikube.sigs.k8s.io/docs/start/"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need istioctl "curl -L https://istio.io/downloadIstio | ISTIO_VERSION=$ISTIO_VERSION sh -"

echo "# 1. Kubernetes: Minikube with the docker driver (profile $PROFILE)"
run minikube start --profile "$PROFILE" --driver=docker --cpus="$MINIKUBE_CPUS" --memory="$MINIKUBE_MEMORY"
run kubectl config use-context "$PROFILE"

echo "# 2. Istio $ISTIO_VERSION, demo profile (istiod, ingress and egress gateways)"
run istioctl install --set profile=demo --skip-confirmation
run kubectl -n istio-system rollout status deployment/istiod --timeout=5m

echo "# 3. Add-ons: Prometheus (gitshift's metrics source), Kiali, Jaeger"
for addon in prometheus kiali jaeger; do
  run kubectl apply -f "$addons/$addon.yaml"
done
run kubectl -n istio-system rollout status deployment/prometheus --timeout=5m

echo "# 4. Argo CD $ARGOCD_VERSION, outside the mesh (namespace argocd has no injection label)"
run kubectl create namespace argocd
run kubectl -n argocd apply --server-side -f "https://raw.githubusercontent.com/argoproj/argo-cd/$ARGOCD_VERSION/manifests/install.yaml"
run kubectl -n argocd rollout status statefulset/argocd-application-controller --timeout=5m

echo "# 5. The example Application (repoURL $REPO_URL): Bookinfo, reviews v1/v3 at 90/10"
if [ "$DRY_RUN" = 1 ]; then
  echo "+ sed 's#repoURL: .*#repoURL: $REPO_URL#' $app | kubectl apply -f -"
else
  sed "s#repoURL: .*#repoURL: $REPO_URL#" "$app" | kubectl apply -f -
fi

cat <<NEXT

# Next: expose Prometheus and verify the canary with gitshift.
kubectl -n istio-system port-forward svc/prometheus 9090:9090 &
gitshift verify --app bookinfo --refresh --wait 5m --prometheus http://127.0.0.1:9090
# Kiali: istioctl dashboard kiali    Jaeger: istioctl dashboard jaeger
NEXT
