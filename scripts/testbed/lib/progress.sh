#!/usr/bin/env bash
# Progress output for the testbed scripts (source me). Plain lines only, on a TTY and under CI alike:
# no carriage returns, no colours, so CI logs read the same as a terminal.
#
#   progress_say TEXT…            prints "testbed: TEXT…"
#   progress_total N              the number of counted steps this script takes
#   progress_step                 advances the counter and sets PROGRESS_TAG ("[2/6] "), "" without a total
#   with_progress [--log FILE] [--hint ERE] LABEL CMD…
#       prints "testbed: LABEL … (log FILE)", runs CMD in the foreground with its output to FILE (a temporary
#       one, removed on success, without --log), prints "testbed: LABEL … still running (45 s): <last log
#       line>" every TESTBED_HEARTBEAT_SECONDS (15) while it runs (with --hint: the last line matching
#       the extended regex ERE, e.g. docker build's '^Step [0-9]+/[0-9]+ :') and "testbed: LABEL … done in 41 s" after it. When CMD fails it prints the last
#       TESTBED_LOG_TAIL (40) lines of FILE to stderr and returns CMD's status (the scripts run with
#       `set -e`, so they stop with it). CMD may be a shell function: its status is that of its last
#       command, so chain its steps with && or end it with a single pipeline under pipefail.
#   progress_elapsed START        "N s" since START (a $SECONDS value)
#   progress_heartbeat_seconds    the heartbeat interval: TESTBED_HEARTBEAT_SECONDS, a positive integer, else 15
#   progress_last_line FILE [ERE] FILE's last non-empty line (matching ERE), printable characters only, at
#                                 most 120 of them
#
# A script started with TESTBED_STEP="[7/7] " in its environment prefixes its lines with that tag (how
# images.sh numbers gateway-image.sh's step).

PROGRESS_TAG=${TESTBED_STEP:-}
_progress_total=0
_progress_n=0

progress_say() { echo "testbed: $*"; }

progress_elapsed() { echo "$((SECONDS - $1)) s"; }

progress_total() { _progress_total=$1; _progress_n=0; PROGRESS_TAG=""; }

progress_step() {
  if ((_progress_total > 0)); then
    _progress_n=$((_progress_n + 1))
    PROGRESS_TAG="[$_progress_n/$_progress_total] "
  else
    PROGRESS_TAG=""
  fi
}

progress_heartbeat_seconds() {
  local s=${TESTBED_HEARTBEAT_SECONDS:-15}
  [[ "$s" =~ ^[1-9][0-9]*$ ]] || s=15
  echo "$s"
}

# The last non-empty line of a log (matching the ERE $2), printable characters only: colour codes and
# the \r of progress bars removed.
progress_last_line() {
  [[ -s "$1" ]] || return 0
  tail -n 400 "$1" 2>/dev/null | tr '\r' '\n' \
    | sed -E $'s/\x1b\\[[0-9;?]*[A-Za-z]//g; s/[[:cntrl:]]//g; s/[[:space:]]+$//' \
    | grep -E -- "${2:-.}" | tail -n 1 | cut -c1-120 || true
}

# Runs in the background while the command runs in the foreground. Stops when killed (TERM) or when the
# script that started it is gone (an interrupted script must not leave it printing).
_progress_heartbeat() {
  local label=$1 start=$2 log=$3 every=$4 parent=$5 hint=$6 nap="" last
  trap '[[ -n "$nap" ]] && kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do
    sleep "$every" </dev/null >/dev/null 2>&1 &
    nap=$!
    wait "$nap" || true
    nap=""
    kill -0 "$parent" 2>/dev/null || exit 0
    last=$(progress_last_line "$log" "$hint" || true)
    echo "testbed: $label … still running ($((SECONDS - start)) s)${last:+: $last}"
  done
}

with_progress() {
  local log="" own_log="" hint=""
  while [[ "${1:-}" == --log || "${1:-}" == --hint ]]; do
    case $1 in
      --log) log=${2:?with_progress: --log FILE} ;;
      --hint) hint=${2:?with_progress: --hint ERE} ;;
    esac
    shift 2
  done
  local label=${1:?with_progress: label}; shift
  (($#)) || { echo "with_progress: no command for \"$label\"" >&2; return 2; }
  if [[ -z "$log" ]]; then
    log=$(mktemp /tmp/rampart-testbed.XXXXXX.log)
    own_log=1
  fi
  local start=$SECONDS status=0 hb
  : >"$log"
  echo "testbed: $label … (log $log)"
  _progress_heartbeat "$label" "$start" "$log" "$(progress_heartbeat_seconds)" "$$" "$hint" &
  hb=$!
  "$@" >"$log" 2>&1 </dev/null || status=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  if ((status != 0)); then
    local tail_n=${TESTBED_LOG_TAIL:-40}
    {
      echo "testbed: $label … FAILED (exit $status) after $(progress_elapsed "$start")"
      echo "testbed: command: $*"
      echo "testbed: last $tail_n lines of $log:"
      tail -n "$tail_n" "$log"
    } >&2
    return "$status"
  fi
  [[ -z "$own_log" ]] || rm -f "$log"
  echo "testbed: $label … done in $(progress_elapsed "$start")"
}
