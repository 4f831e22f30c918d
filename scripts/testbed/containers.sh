#!/usr/bin/env bash
# Everything the container suite needs on a fresh machine, each step idempotent and timed:
# Debian packages, a running Docker engine, and the local images (docs/testing.md).
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/progress.sh
source "$DIR/lib/progress.sh"
t0=$SECONDS
progress_total 3
for step in install dockerd images; do
  progress_step
  t=$SECONDS
  progress_say "${PROGRESS_TAG}$step.sh …"
  bash "$DIR/$step.sh"
  progress_say "${PROGRESS_TAG}$step.sh done in $(progress_elapsed "$t")"
done
progress_say "testbed ready in $(progress_elapsed "$t0")"
