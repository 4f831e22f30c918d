#!/usr/bin/env bash
# A binary built from Go modules into a cache folder outside the repository, once (source me). Used by
# ../build-kubernetes-provider.sh and ../build-kube-control-plane.sh.
#
#   cached_build_dir NAME                  the cache folder $RAMPART_ENGINE_CACHE/NAME (default cache root
#                                          ~/.cache/rampart-engine); stops if it is inside the repository
#   cached_build DIR LABEL PRESENT BUILD   PRESENT is a command that succeeds when DIR holds the finished
#                                          binaries; BUILD TMP is a command that builds them into the folder
#                                          TMP and checks them (it runs under with_progress, its output in
#                                          DIR/build.log). Every file BUILD leaves in TMP is moved into DIR
#                                          only after BUILD succeeded: a killed or failed build leaves no half
#                                          binary. One build per DIR at a time (flock on DIR/.lock): a second
#                                          caller waits, then finds the first one's binaries.
#   cached_build_rebuild_requested ARGS…   succeeds for --rebuild or RAMPART_ENGINE_REBUILD=1
#   cached_build_required_version GOMOD M  the version GOMOD requires module M at
#
# The caller prints the binaries' paths on stdout; these functions write only to stderr ("engine: …").

_cached_build_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_cached_build_repo=$(cd "$_cached_build_here/../../.." && pwd)
# shellcheck source=../../testbed/lib/progress.sh
source "$_cached_build_repo/scripts/testbed/lib/progress.sh"

engine_say() { echo "engine: $*" >&2; }
engine_die() { echo "engine: error: $*" >&2; exit 1; }

cached_build_rebuild_requested() {
  [[ -n "${RAMPART_ENGINE_REBUILD:-}" && "${RAMPART_ENGINE_REBUILD}" != 0 ]] && return 0
  local arg
  for arg in "$@"; do [[ "$arg" == --rebuild ]] && return 0; done
  return 1
}

cached_build_dir() {
  local dir
  dir=$(realpath -m "${RAMPART_ENGINE_CACHE:-$HOME/.cache/rampart-engine}/$1")
  case "$dir/" in
    "$_cached_build_repo"/*) engine_die "the cache $dir is inside the repository $_cached_build_repo: point RAMPART_ENGINE_CACHE outside it (built binaries must not end up in a commit)" ;;
  esac
  echo "$dir"
}

cached_build_required_version() {
  awk -v m="$2" '
    $1 == "require" && $2 == "(" { block = 1; next }
    block && $1 == ")" { block = 0; next }
    $1 == "require" && $2 == m { print $3; exit }
    block && $1 == m { print $2; exit }
  ' "$1"
}

# Stops unless this Go is at least the version GOMOD's `go` line asks for.
cached_build_check_go() {
  command -v go >/dev/null || engine_die "go is not on PATH (the build needs the Go toolchain, $(sed -n 's/^go //p' "$1") or newer)"
  local have need
  have=$(go env GOVERSION)
  need=$(sed -n 's/^go //p' "$1")
  if [[ "$(printf '%s\n%s\n' "$need" "${have#go}" | sort -V | head -1)" != "$need" && "$(go env GOTOOLCHAIN)" == local* ]]; then
    engine_die "$1 needs go >= $need, this is $have and GOTOOLCHAIN=local forbids fetching a newer one"
  fi
}

cached_build() {
  local dir=$1 label=$2 present=$3 build=$4
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  if ! flock -n 9; then
    engine_say "another build of $label is running; waiting for it (lock $dir/.lock)"
    flock 9
    if "$present"; then
      exec 9>&-
      return 0
    fi
  fi
  rm -rf "$dir"/.build.* # left by a build that was killed (we hold the lock: no other build is running)
  _cached_build_tmp=$(mktemp -d "$dir/.build.XXXXXX")
  trap 'rm -rf "$_cached_build_tmp"' EXIT
  local start=$SECONDS
  engine_say "building $label into $dir (log $dir/build.log; Go caches $(go env GOMODCACHE), $(go env GOCACHE))"
  # with_progress writes "testbed: …" lines to stdout; here they go to stderr as "engine: …".
  with_progress --log "$dir/build.log" "build $label" "$build" "$_cached_build_tmp" 2>&1 | sed -u 's/^testbed: /engine: /' >&2
  local f
  for f in "$_cached_build_tmp"/*; do
    mv -f "$f" "$dir/"
  done
  rm -rf "$_cached_build_tmp"
  trap - EXIT
  exec 9>&-
  engine_say "$label built in $(progress_elapsed "$start") ($dir, $(du -sm --exclude=build.log "$dir" | cut -f1) MB)"
}
