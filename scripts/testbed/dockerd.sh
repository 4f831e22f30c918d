#!/usr/bin/env bash
# Starts a Docker engine for the container tests (docs/testing.md) unless one already answers. Idempotent.
# A dockerd that was already running is left alone; one started here logs to /tmp/rampart-dockerd.log
# and its pid goes to /tmp/rampart-dockerd.pid, so whoever stops it later stops only this one.
set -euo pipefail
# shellcheck source=lib/progress.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/progress.sh"

started=$SECONDS
if docker info >/dev/null 2>&1; then
  echo "testbed: dockerd already answering ($(docker info --format '{{.ServerVersion}}'))"
  exit 0
fi

command -v dockerd >/dev/null || { echo "testbed: dockerd not installed (run scripts/testbed/install.sh)" >&2; exit 1; }

LOG=/tmp/rampart-dockerd.log
PIDFILE=/tmp/rampart-dockerd.pid
# setsid: the engine must outlive this script and the CI step that ran it.
setsid dockerd >"$LOG" 2>&1 </dev/null &
echo $! >"$PIDFILE"
echo "testbed: starting dockerd (pid $(cat "$PIDFILE"), log $LOG), waiting up to 60 s for it to answer …"

every=$(progress_heartbeat_seconds)
next=$((SECONDS + every))
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "testbed: dockerd $(docker info --format '{{.ServerVersion}}') started (pid $(cat "$PIDFILE")) in $((SECONDS - started)) s"
    exit 0
  fi
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "testbed: dockerd exited during start-up; last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
  if ((SECONDS >= next)); then
    last=$(progress_last_line "$LOG" || true)
    echo "testbed: … still waiting for dockerd to answer ($((SECONDS - started)) s of 60 s)${last:+: $last}"
    next=$((SECONDS + every))
  fi
  sleep 1
done
echo "testbed: dockerd did not answer within 60 s; last lines of $LOG:" >&2
tail -n 40 "$LOG" >&2
exit 1
