#!/usr/bin/env bash
# Builds gateway/Dockerfile as it ships, with only its base image substituted through the build ARG the
# Dockerfile declares before its first FROM (e.g. `ARG NODE_IMAGE=node:24-bookworm-slim`). Skipped when the
# image was built from the same Dockerfile, gateway sources and base.
#   usage: gateway-image.sh <local node base image> <tag>
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE_IMAGE=${1:?local node base image}
TAG=${2:?image tag}
DOCKERFILE="$ROOT/gateway/Dockerfile"

[[ -f "$DOCKERFILE" ]] || { echo "testbed: $DOCKERFILE missing: the gateway image cannot be built" >&2; exit 1; }

# The base ARG: declared before the first FROM and used in a FROM line. GATEWAY_BASE_ARG overrides.
base_arg=${GATEWAY_BASE_ARG:-}
if [[ -z "$base_arg" ]]; then
  for name in $(awk '/^[[:space:]]*FROM[[:space:]]/{exit} /^[[:space:]]*ARG[[:space:]]/{sub(/=.*/,"",$2); print $2}' "$DOCKERFILE"); do
    if grep -Eq "^[[:space:]]*FROM[[:space:]]+(--platform=[^[:space:]]+[[:space:]]+)?\\\$\\{?$name\\}?" "$DOCKERFILE"; then base_arg=$name; break; fi
  done
fi
[[ -n "$base_arg" ]] || {
  echo "testbed: gateway/Dockerfile declares no ARG before its first FROM that a FROM line uses;" \
       "the production base must sit behind a build ARG (DESIGN/TESTBED) so tests can substitute it" >&2
  exit 1
}

# Build context: what the Dockerfile is built from in production (the repo root when it copies workspace
# files, else gateway/). GATEWAY_CONTEXT overrides.
context=${GATEWAY_CONTEXT:-}
if [[ -z "$context" ]]; then
  if grep -Eq '^[[:space:]]*COPY[[:space:]].*gateway/' "$DOCKERFILE"; then context=$ROOT; else context=$ROOT/gateway; fi
fi

src_hash=$(cd "$ROOT" && { git ls-files -co --exclude-standard -- gateway package.json package-lock.json 2>/dev/null || find gateway -type f -not -path '*/node_modules/*'; } \
  | grep -v '/node_modules/' | sort | xargs sha256sum 2>/dev/null | sha256sum | cut -c1-16)
key="$src_hash@$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")"
if [[ "$(docker image inspect --format '{{ index .Config.Labels "rampart.testbed.key" }}' "$TAG" 2>/dev/null || true)" == "$key" ]]; then
  echo "testbed: $TAG present"
  exit 0
fi

t=$SECONDS
log=/tmp/rampart-gateway-build.log
if ! docker build -f "$DOCKERFILE" --build-arg "$base_arg=$BASE_IMAGE" --label "rampart.testbed.key=$key" -t "$TAG" "$context" >"$log" 2>&1; then
  echo "testbed: building gateway/Dockerfile with $base_arg=$BASE_IMAGE failed (context $context):" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "testbed: $TAG built from gateway/Dockerfile ($base_arg=$BASE_IMAGE) in $((SECONDS - t)) s"
