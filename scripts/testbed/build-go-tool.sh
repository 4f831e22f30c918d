#!/usr/bin/env bash
# Builds a server the tests run from its Go module (the module proxy serves it; no registry has an image
# here) into a cache outside the repo, keyed by version. A second run finds it in a second.
#
#   scripts/testbed/build-go-tool.sh livekit|alertmanager|centrifugo [--rebuild]
#   LIVEKIT=$(scripts/testbed/build-go-tool.sh livekit | tail -1)
#
# stdout carries one line, the binary's path; progress goes to stderr.
#
#   livekit      github.com/livekit/livekit-server/cmd/server at the version the stack pins
#                (DEFAULT_IMAGES.livekit in components/containers/images.ts), so the tests run what
#                production runs. Versions after v1.13.5 need `replace` lines for LiveKit's pion forks
#                and cannot be built with `go install`.
#   alertmanager github.com/prometheus/alertmanager at the version the stack pins (the delivery test needs
#                webhook url_file, which Debian's 0.25 lacks)
#   centrifugo   github.com/centrifugal/centrifugo/v6 (the benchmark's Centrifugo baseline)
#
# Environment:
#   RAMPART_TOOL_CACHE          cache root (default ~/.cache); the binary is
#                               $RAMPART_TOOL_CACHE/rampart-<tool>/v<version>/<binary>, its build log beside it
#   RAMPART_TOOL_REBUILD=1      build even if the binary is present
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib/progress.sh
source "$here/lib/progress.sh"

say() { echo "testbed: $*" >&2; }
die() { echo "testbed: error: $*" >&2; exit 1; }

tool=${1:-}
shift || true
rebuild=${RAMPART_TOOL_REBUILD:-}
[[ "$rebuild" == 0 ]] && rebuild=""
for arg in "$@"; do
  case $arg in
    --rebuild) rebuild=1 ;;
    *) die "unknown argument \"$arg\" (usage: $0 livekit|alertmanager|centrifugo [--rebuild])" ;;
  esac
done

CENTRIFUGO_VERSION=6.9.1

case $tool in
  livekit)
    # The tag of the pinned image, e.g. "livekit/livekit-server:v1.13.5" -> 1.13.5.
    version=$(sed -n 's|^ *livekit: "livekit/livekit-server:v\([0-9][0-9.]*\)[@"].*|\1|p' "$repo/components/containers/images.ts")
    [[ -n "$version" ]] || die "no livekit/livekit-server:vX.Y.Z pin found in components/containers/images.ts"
    packages=(github.com/livekit/livekit-server/cmd/server@v$version)
    binary=server
    ldflags="-s -w"
    ;;
  alertmanager)
    # The version of the pinned image (DEFAULT_IMAGES.alertmanager): Debian's 0.25 lacks webhook url_file.
    version=$(sed -n 's|^ *alertmanager: "prom/alertmanager:v\([0-9][0-9.]*\)[@"].*|\1|p' "$repo/components/containers/images.ts")
    [[ -n "$version" ]] || die "no prom/alertmanager:vX.Y.Z pin found in components/containers/images.ts"
    # amtool beside it: `amtool check-config` of the same release checks what this release accepts.
    packages=(github.com/prometheus/alertmanager/cmd/alertmanager@v$version github.com/prometheus/alertmanager/cmd/amtool@v$version)
    binary=alertmanager
    ldflags="-s -w -X github.com/prometheus/common/version.Version=$version"
    ;;
  centrifugo)
    version=$CENTRIFUGO_VERSION
    packages=(github.com/centrifugal/centrifugo/v6@v$version)
    binary=centrifugo
    ldflags="-s -w -X github.com/centrifugal/centrifugo/v6/internal/build.Version=$version"
    ;;
  "" | -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
  *) die "unknown tool \"$tool\" (known: livekit, alertmanager, centrifugo)" ;;
esac

cache_root=${RAMPART_TOOL_CACHE:-$HOME/.cache}
dir=$(realpath -m "$cache_root/rampart-$tool/v$version")
bin=$dir/$binary
case "$dir/" in
  "$repo"/*) die "the cache $dir is inside the repository: point RAMPART_TOOL_CACHE outside it" ;;
esac

if [[ -z "$rebuild" && -x "$bin" ]]; then
  say "$tool v$version present ($bin)"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || die "go is not on PATH (building $tool needs the Go toolchain)"
mkdir -p "$dir"
# One build per version at a time: a second caller waits, then finds the first one's binary.
exec 9>"$dir/.lock"
if ! flock -n 9; then
  say "another build of $tool v$version is running; waiting for it"
  flock 9
  if [[ -z "$rebuild" && -x "$bin" ]]; then echo "$bin"; exit 0; fi
fi

# go install writes into a temporary GOBIN; the binary is moved into place only when the build succeeded,
# so a killed build leaves nothing half-written at $bin.
rm -rf "$dir"/.build.*
tmp=$(mktemp -d "$dir/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
build() {
  GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOBIN=$tmp go install -trimpath -ldflags "$ldflags" "${packages[@]}"
}
start=$SECONDS
say "building $tool v$version (${packages[*]}, CGO_ENABLED=0) into $bin; cold, this takes several minutes on 2 cores"
with_progress --log "$dir/build.log" "go install $tool v$version" build >&2
[[ -x "$tmp/$binary" ]] || die "go install produced no $binary (log $dir/build.log)"
# Companions first (amtool), the binary the presence check looks for last.
for built in "$tmp"/*; do [[ "$built" == "$tmp/$binary" ]] || mv -f "$built" "$dir/"; done
mv -f "$tmp/$binary" "$bin"
say "$tool v$version built in $(progress_elapsed "$start") ($bin, $(du -m "$bin" | cut -f1) MB)"
echo "$bin"
