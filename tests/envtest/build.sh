#!/usr/bin/env bash
# Build the real Kubernetes control plane used by the integration tests, once.
#
#   tests/envtest/build.sh          build what is missing, print the assets directory
#   tests/envtest/build.sh helm     build what is missing, print the helm binary
#
# kube-apiserver, etcd and kubectl are compiled from their Go modules through the
# wrapper module beside this script (go.mod pins k8s.io/kubernetes and every staging
# module); helm from the wrapper module in helm/. The results are cached the way
# controller-runtime's envtest lays them out:
#
#   $ROOFKIT_ENVTEST_CACHE/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}
#   $ROOFKIT_ENVTEST_CACHE/helm/<version>-linux-amd64/helm
#
# ROOFKIT_ENVTEST_CACHE defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/roofkit/envtest.
# When KUBEBUILDER_ASSETS names a directory that already holds the three control-plane
# binaries (for example from setup-envtest), it is used as is and nothing is compiled
# for it. ROOFKIT_HELM, when set to an executable, is used instead of building helm.
#
# Only the requested path goes to stdout; progress goes to stderr. Safe to run from
# several test sessions at once: builds are serialised with a lock and every binary is
# moved into place only once it is complete.
set -euo pipefail

K8S_VERSION=1.37.2
HELM_VERSION=4.3.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ROOFKIT_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/roofkit/envtest}"
goos="$(go env GOOS 2>/dev/null || echo linux)"
goarch="$(go env GOARCH 2>/dev/null || echo amd64)"
k8s_dir="$cache/k8s/${K8S_VERSION}-${goos}-${goarch}"
helm_dir="$cache/helm/${HELM_VERSION}-${goos}-${goarch}"

what="${1:-assets}"
case "$what" in
  assets | helm) ;;
  -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [assets|helm]" >&2; exit 2 ;;
esac

log() { echo "envtest: $*" >&2; }

has_control_plane() {
  local dir="$1"
  [[ -n "$dir" && -x "$dir/kube-apiserver" && -x "$dir/etcd" && -x "$dir/kubectl" ]]
}

# go_build MODULE_DIR PACKAGE OUTPUT [extra ldflags]
go_build() {
  local module_dir="$1" package="$2" output="$3" extra="${4:-}"
  local tmp="${output}.partial.$$"
  log "building $(basename "$output") from $package (slow the first time)"
  (
    cd "$module_dir"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags="-s -w $extra" -o "$tmp" "$package"
  )
  mv -f "$tmp" "$output"
}

build_control_plane() {
  mkdir -p "$k8s_dir"
  local minor="${K8S_VERSION#*.}"
  minor="${minor%%.*}"
  local kv=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    kv+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor}"
    kv+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  [[ -x "$k8s_dir/etcd" ]] || go_build "$here" go.etcd.io/etcd/server/v3 "$k8s_dir/etcd"
  [[ -x "$k8s_dir/kube-apiserver" ]] ||
    go_build "$here" k8s.io/kubernetes/cmd/kube-apiserver "$k8s_dir/kube-apiserver" "$kv"
  [[ -x "$k8s_dir/kubectl" ]] ||
    go_build "$here" k8s.io/kubernetes/cmd/kubectl "$k8s_dir/kubectl" "$kv"
}

build_helm() {
  mkdir -p "$helm_dir"
  [[ -x "$helm_dir/helm" ]] ||
    go_build "$here/helm" helm.sh/helm/v4/cmd/helm "$helm_dir/helm" \
      "-X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION} -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
}

assets=""
if has_control_plane "${KUBEBUILDER_ASSETS:-}"; then
  assets="$(cd "$KUBEBUILDER_ASSETS" && pwd)"
fi
helm_bin=""
if [[ -n "${ROOFKIT_HELM:-}" && -x "${ROOFKIT_HELM}" ]]; then
  helm_bin="$ROOFKIT_HELM"
fi

if { [[ -z "$assets" ]] && ! has_control_plane "$k8s_dir"; } || [[ -z "$helm_bin" && ! -x "$helm_dir/helm" ]]; then
  command -v go >/dev/null || { log "go is required to build the control plane binaries"; exit 1; }
  mkdir -p "$cache"
  exec 9>"$cache/.build.lock"
  flock 9
  [[ -n "$assets" ]] || build_control_plane
  [[ -n "$helm_bin" ]] || build_helm
fi

[[ -n "$assets" ]] || assets="$k8s_dir"
[[ -n "$helm_bin" ]] || helm_bin="$helm_dir/helm"

if [[ "$what" == helm ]]; then
  echo "$helm_bin"
else
  echo "$assets"
fi
