#!/usr/bin/env bash
# Builds a Kubernetes control plane (kube-apiserver, kube-controller-manager) from the Go module proxy into
# a cache outside the repo, once; later runs find them there in a second. See README.md beside this script.
#
#   scripts/engine/build-kube-control-plane.sh [--rebuild]      (or RAMPART_ENGINE_REBUILD=1)
#   DIR=$(scripts/engine/build-kube-control-plane.sh | tail -1)  # $DIR/kube-apiserver, $DIR/kube-controller-manager
#
# stdout carries one line, the folder holding the binaries, as the last line; everything else goes to stderr.
#
# Environment:
#   RAMPART_ENGINE_CACHE       cache root (default ~/.cache/rampart-engine); the binaries are in
#                              $RAMPART_ENGINE_CACHE/kubernetes-v<version>/
#   RAMPART_ENGINE_REBUILD=1   build even if the binaries are present
#   TESTBED_HEARTBEAT_SECONDS  seconds between "still running" lines (15)
set -euo pipefail

# The one place the version is stated. kube-control-plane/go.mod must require k8s.io/kubernetes at this
# version and replace each staging module with its release of the same version (v0.<minor>.<patch>).
KUBERNETES_VERSION=v1.34.4

MODULE=k8s.io/kubernetes
# No kubectl: the suite talks to the API server over HTTPS itself (test/k8s/support/control-plane.ts).
COMMANDS=(kube-apiserver kube-controller-manager)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wrapper=$here/kube-control-plane
# shellcheck source=lib/cached-build.sh
source "$here/lib/cached-build.sh"

for arg in "$@"; do
  case $arg in
    --rebuild) ;;
    -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) engine_die "unknown argument \"$arg\" (usage: $0 [--rebuild])" ;;
  esac
done
rebuild=""
cached_build_rebuild_requested "$@" && rebuild=1

dir=$(cached_build_dir "kubernetes-$KUBERNETES_VERSION")

# The version a binary in FOLDER reports, empty when it is missing or does not run. Without the version
# ldflags below, clients would see v0.0.0-master.
version_of() {
  local b=$1/$2
  [[ -x "$b" ]] || return 0
  timeout 60 "$b" --version 2>/dev/null </dev/null | sed -n 's/^Kubernetes //p' || true
}

all_report_version() {
  local c
  for c in "${COMMANDS[@]}"; do
    [[ "$(version_of "$1" "$c")" == "$KUBERNETES_VERSION" ]] || return 1
  done
}

present() { [[ -z "$rebuild" ]] && all_report_version "$dir"; }

if present; then
  engine_say "kubernetes $KUBERNETES_VERSION present ($dir: ${COMMANDS[*]})"
  echo "$dir"
  exit 0
fi

cached_build_check_go "$wrapper/go.mod"
[[ -f "$wrapper/go.mod" && -f "$wrapper/go.sum" ]] || engine_die "$wrapper/go.mod or go.sum is missing"
got=$(cached_build_required_version "$wrapper/go.mod" "$MODULE")
[[ "$got" == "$KUBERNETES_VERSION" ]] || engine_die "$wrapper/go.mod requires $MODULE ${got:-(not at all)}, but this script builds $KUBERNETES_VERSION (KUBERNETES_VERSION in $0): make them agree, then run \`go mod tidy\` in $wrapper"
staging=v0.${KUBERNETES_VERSION#v1.}
wrong=$(awk -v s="$staging" '$2 == "=>" && $1 ~ /^k8s\.io\// && $1 != "k8s.io/sample-apiserver" && $4 != s { print $1 " " $4 }' "$wrapper/go.mod")
[[ -z "$wrong" ]] || engine_die "$wrapper/go.mod replaces staging modules at another version than $staging: $wrong"

major=${KUBERNETES_VERSION#v}
major=${major%%.*}
minor=${KUBERNETES_VERSION#v*.}
minor=${minor%%.*}
ldflags="-s -w"
# The servers report component-base's version, their clients' user agent client-go's (Kubernetes' own build sets both).
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

build() {
  local out=$1 c pkgs=()
  for c in "${COMMANDS[@]}"; do pkgs+=("$MODULE/cmd/$c"); done
  (cd "$wrapper" && GOWORK=off CGO_ENABLED=0 go build -mod=readonly -trimpath -v -ldflags "$ldflags" -o "$out/" "${pkgs[@]}") &&
    all_report_version "$out"
}

cached_build "$dir" "kubernetes $KUBERNETES_VERSION (${COMMANDS[*]})" present build
echo "$dir"
