#!/usr/bin/env bash
# Builds Pulumi's Kubernetes provider (pulumi-resource-kubernetes) from the Go module proxy into a cache
# outside the repo, once; later runs find it there in a second. See README.md beside this script.
#
#   scripts/engine/build-kubernetes-provider.sh [--rebuild]      (or RAMPART_ENGINE_REBUILD=1)
#   PROVIDER=$(scripts/engine/build-kubernetes-provider.sh | tail -1)
#
# stdout carries one line, the binary's path, as the last line; everything else goes to stderr.
#
# Environment:
#   RAMPART_ENGINE_CACHE       cache root (default ~/.cache/rampart-engine); the binary is
#                              $RAMPART_ENGINE_CACHE/pulumi-resource-kubernetes-v<version>/pulumi-resource-kubernetes
#   RAMPART_ENGINE_REBUILD=1   build even if the binary is present
#   TESTBED_HEARTBEAT_SECONDS  seconds between "still running" lines (15)
set -euo pipefail

# The one place the version is stated: the pseudo-version of github.com/pulumi/pulumi-kubernetes/provider/v4
# that the module proxy serves (its tagged versions are not served). pulumi-kubernetes/go.mod must require
# the module at this version; the script stops if it does not.
PROVIDER_VERSION=v4.0.0-20260115033456-f47bc2d6f199

MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
VERSION_SYMBOL=github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wrapper=$here/pulumi-kubernetes
# shellcheck source=lib/cached-build.sh
source "$here/lib/cached-build.sh"

for arg in "$@"; do
  case $arg in
    --rebuild) ;;
    -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) engine_die "unknown argument \"$arg\" (usage: $0 [--rebuild])" ;;
  esac
done
rebuild=""
cached_build_rebuild_requested "$@" && rebuild=1

dir=$(cached_build_dir "pulumi-resource-kubernetes-$PROVIDER_VERSION")
bin=$dir/pulumi-resource-kubernetes

# The version a binary reports (our main.go answers `-version` before it starts serving), empty when it is
# missing or does not run.
version_of() {
  [[ -x "$1" ]] || return 0
  timeout 60 "$1" -version 2>/dev/null </dev/null | tr -d '[:space:]' || true
}

present() { [[ -z "$rebuild" && "$(version_of "$bin")" == "${PROVIDER_VERSION#v}" ]]; }

if present; then
  engine_say "pulumi-resource-kubernetes $PROVIDER_VERSION present ($bin)"
  echo "$bin"
  exit 0
fi

cached_build_check_go "$wrapper/go.mod"
[[ -f "$wrapper/go.mod" && -f "$wrapper/go.sum" && -f "$wrapper/main.go" ]] || engine_die "$wrapper/go.mod, go.sum or main.go is missing"
got=$(cached_build_required_version "$wrapper/go.mod" "$MODULE")
[[ "$got" == "$PROVIDER_VERSION" ]] || engine_die "$wrapper/go.mod requires $MODULE ${got:-(not at all)}, but this script builds $PROVIDER_VERSION (PROVIDER_VERSION in $0): make them agree, then run \`go mod tidy\` in $wrapper"

# The build folder is a copy of the wrapper with the provider module's committed schema.json and
# terraform-mapping.json beside main.go, which embeds them (go:embed reads only the main module's files).
build() {
  local out=$1 src module_dir
  src=$(mktemp -d "${TMPDIR:-/tmp}/rampart-kubernetes-provider-src.XXXXXX") &&
    cp "$wrapper/go.mod" "$wrapper/go.sum" "$wrapper/main.go" "$src/" &&
    module_dir=$(cd "$src" && GOWORK=off go mod download -json "$MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') &&
    [[ -n "$module_dir" ]] &&
    cp "$module_dir/cmd/pulumi-resource-kubernetes/schema.json" "$module_dir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$src/" &&
    chmod u+w "$src"/*.json &&
    (cd "$src" && GOWORK=off CGO_ENABLED=0 go build -mod=readonly -trimpath -v \
      -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X $VERSION_SYMBOL=${PROVIDER_VERSION#v}" \
      -o "$out/pulumi-resource-kubernetes" .) &&
    rm -rf "$src" &&
    [[ "$(version_of "$out/pulumi-resource-kubernetes")" == "${PROVIDER_VERSION#v}" ]]
}

cached_build "$dir" "pulumi-resource-kubernetes $PROVIDER_VERSION" present build
echo "$bin"
