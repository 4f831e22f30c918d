#!/usr/bin/env bash
# Everything the container suite needs on a fresh machine, each step idempotent and timed:
# Debian packages, a running Docker engine, and the local images (docs/testing.md).
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for step in install dockerd images; do
  t=$SECONDS
  bash "$DIR/$step.sh"
  echo "testbed: $step.sh done in $((SECONDS - t)) s"
done
