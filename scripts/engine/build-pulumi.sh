#!/usr/bin/env bash
# Builds the real Pulumi CLI from the Go module proxy into a cache outside the repo, once; later runs find
# it there in a second. See README.md beside this script.
#
#   scripts/engine/build-pulumi.sh [--rebuild]      (or RAMPART_ENGINE_REBUILD=1)
#   PULUMI=$(scripts/engine/build-pulumi.sh | tail -1)
#
# stdout carries one line, the binary's path, as the last line; everything else goes to stderr.
#
# Environment:
#   RAMPART_ENGINE_CACHE       cache root (default ~/.cache/rampart-engine); the binary is
#                              $RAMPART_ENGINE_CACHE/pulumi-v<version>/pulumi, the last build's log beside it
#   RAMPART_ENGINE_REBUILD=1   build even if the binary is present
#   TESTBED_HEARTBEAT_SECONDS  seconds between "still running" lines (15)
# Go's own caches stay at their defaults (GOMODCACHE ~/go/pkg/mod, GOCACHE ~/.cache/go-build), so a second
# build, e.g. of the next version, is warm.
set -euo pipefail

# The one place the version is stated. pulumi-cli/go.mod must require pkg/v3 and sdk/v3 at this version;
# the script stops if it does not (bump both: edit go.mod's require lines, then `go mod tidy` there).
PULUMI_VERSION=3.274.1

MAIN_PACKAGE=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
VERSION_SYMBOL=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
wrapper=$here/pulumi-cli
# shellcheck source=../testbed/lib/progress.sh
source "$repo/scripts/testbed/lib/progress.sh"

say() { echo "engine: $*" >&2; }
die() { echo "engine: error: $*" >&2; exit 1; }

rebuild=${RAMPART_ENGINE_REBUILD:-}
[[ "$rebuild" == 0 ]] && rebuild=""
for arg in "$@"; do
  case $arg in
    --rebuild) rebuild=1 ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument \"$arg\" (usage: $0 [--rebuild])" ;;
  esac
done

want=v$PULUMI_VERSION
cache_root=${RAMPART_ENGINE_CACHE:-$HOME/.cache/rampart-engine}
dir=$(realpath -m "$cache_root/pulumi-$want")
bin=$dir/pulumi
case "$dir/" in
  "$repo"/*) die "the cache $dir is inside the repository $repo: point RAMPART_ENGINE_CACHE outside it (a 122 MB binary must not end up in a commit)" ;;
esac

# Pulumi must not look for updates or log in anywhere while it only reports its version.
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true

# The version a binary reports, empty when it is missing or does not run. Pulumi writes a log file into
# $PULUMI_HOME/logs on every command, `version` too: a throwaway PULUMI_HOME keeps ~/.pulumi untouched.
version_of() {
  [[ -x "$1" ]] || return 0
  local home out
  home=$(mktemp -d "${TMPDIR:-/tmp}/rampart-engine-home.XXXXXX")
  out=$(PULUMI_HOME=$home timeout 60 "$1" version 2>/dev/null </dev/null | tr -d '[:space:]' || true)
  rm -rf "$home"
  echo "$out"
}

present() {
  [[ -z "$rebuild" && "$(version_of "$bin")" == "$want" ]]
}

if present; then
  say "pulumi $want present ($bin)"
  echo "$bin"
  exit 0
fi

# --- checks before a build --------------------------------------------------------------------------
command -v go >/dev/null || die "go is not on PATH (the build needs the Go toolchain, $(sed -n 's/^go //p' "$wrapper/go.mod") or newer)"
[[ -f "$wrapper/go.mod" && -f "$wrapper/go.sum" ]] || die "$wrapper/go.mod or go.sum is missing"

# The version go.mod requires MODULE at, from a single-line `require M v` or a line inside a require block.
required_version() {
  awk -v m="$1" '
    $1 == "require" && $2 == "(" { block = 1; next }
    block && $1 == ")" { block = 0; next }
    $1 == "require" && $2 == m { print $3; exit }
    block && $1 == m { print $2; exit }
  ' "$wrapper/go.mod"
}
for module in github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3; do
  got=$(required_version "$module")
  [[ "$got" == "$want" ]] || die "$wrapper/go.mod requires $module ${got:-(not at all)}, but this script builds $want (PULUMI_VERSION in $0): make them agree, then run \`go mod tidy\` in $wrapper"
done

go_have=$(go env GOVERSION) # go1.26.8
go_need=$(sed -n 's/^go //p' "$wrapper/go.mod")
if [[ "$(printf '%s\n%s\n' "$go_need" "${go_have#go}" | sort -V | head -1)" != "$go_need" ]]; then
  if [[ "$(go env GOTOOLCHAIN)" == local* ]]; then
    die "pulumi $want needs go >= $go_need, this is $go_have and GOTOOLCHAIN=local forbids fetching a newer one"
  fi
  say "go >= $go_need needed, this is $go_have: go will fetch the newer toolchain from the module proxy"
fi

# --- the build -------------------------------------------------------------------------------------
mkdir -p "$dir"
# One build at a time per version: a second caller waits, then finds the binary the first one built.
exec 9>"$dir/.lock"
if ! flock -n 9; then
  say "another build of pulumi $want is running; waiting for it (lock $dir/.lock)"
  flock 9
  if present; then
    say "pulumi $want present ($bin)"
    echo "$bin"
    exit 0
  fi
fi

# The build writes into a temporary folder beside the binary and is moved into place only once it runs and
# reports the right version: a killed or failed build leaves no half binary at $bin.
rm -rf "$dir"/.build.* # left by a build that was killed (we hold the lock: no other build is running)
tmp=$(mktemp -d "$dir/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

log=$dir/build.log
go_cache=$(go env GOCACHE)
go_modcache=$(go env GOMODCACHE)
cold=""
[[ -d "$go_modcache/github.com/pulumi/pulumi/pkg/v3@$want" ]] || cold=1
say "building pulumi $want: $MAIN_PACKAGE from module github.com/pulumi/pulumi/pkg/v3@$want, with $go_have, CGO_ENABLED=0"
say "  into $bin (log $log)"
say "  Go caches: $go_modcache, $go_cache"
if [[ -n "$cold" ]]; then
  say "  modules not yet downloaded: a cold build takes about 6 min on 2 idle cores (1 min downloads, 5 min compiling), longer on busy ones"
fi

build() {
  cd "$wrapper" &&
    GOWORK=off CGO_ENABLED=0 go build -mod=readonly -trimpath -v \
      -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X $VERSION_SYMBOL=$want" \
      -o "$tmp/pulumi" "$MAIN_PACKAGE"
}

start=$SECONDS
# with_progress writes "testbed: …" lines to stdout; here they go to stderr as "engine: …" (sed -u: a line
# at a time, so the heartbeat shows up when it is printed). The heartbeat shows the package go compiles.
with_progress --log "$log" "go build pulumi $want" build 2>&1 | sed -u 's/^testbed: /engine: /' >&2

got=$(version_of "$tmp/pulumi")
[[ "$got" == "$want" ]] || die "the built binary reports version \"$got\", expected $want (binary left out of the cache; log $log)"
mv -f "$tmp/pulumi" "$bin"
size=$(du -m "$bin" | cut -f1)
say "pulumi $want built in $(progress_elapsed "$start") ($bin, $size MB; \`$bin version\` = $got)"
echo "$bin"
