#!/usr/bin/env bash
# Builds gateway/Dockerfile as it ships, with only its base image substituted through the build ARG the
# Dockerfile declares before its first FROM (e.g. `ARG NODE_IMAGE=node:24-bookworm-slim`). Skipped when the
# image was built from the same Dockerfile, gateway sources and base.
# When the Dockerfile also declares `ARG BUILD_IMAGE` (the stage that runs npm), the third argument
# replaces it.
#   usage: gateway-image.sh <local node base image> <tag> [<local build-stage image>]
# TESTBED_STEP (e.g. "[7/7] ", set by images.sh) prefixes its progress lines.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=lib/progress.sh
source "$ROOT/scripts/testbed/lib/progress.sh"
BASE_IMAGE=${1:?local node base image}
TAG=${2:?image tag}
BUILD_IMAGE=${3:-}
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
       "the production base must sit behind a build ARG (docs/testing.md) so tests can substitute it" >&2
  exit 1
}

# Build context: what the Dockerfile is built from in production (the repo root when it copies workspace
# files, else gateway/). GATEWAY_CONTEXT overrides.
context=${GATEWAY_CONTEXT:-}
if [[ -z "$context" ]]; then
  if grep -Eq '^[[:space:]]*COPY[[:space:]].*gateway/' "$DOCKERFILE"; then context=$ROOT; else context=$ROOT/gateway; fi
fi

src_hash=$(cd "$ROOT" && { git ls-files -co --exclude-standard -- gateway packages/catalogue/src packages/catalogue/package.json package.json package-lock.json 2>/dev/null || find gateway packages/catalogue/src -type f -not -path '*/node_modules/*'; } \
  | grep -v '/node_modules/' | sort | xargs sha256sum 2>/dev/null | sha256sum | cut -c1-16)
build_args=(--build-arg "$base_arg=$BASE_IMAGE")
if [[ -n "$BUILD_IMAGE" ]] && grep -Eq '^[[:space:]]*ARG[[:space:]]+BUILD_IMAGE([=[:space:]]|$)' "$DOCKERFILE"; then
  build_args+=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE")
fi
key="$src_hash@$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")@${BUILD_IMAGE:+$(docker image inspect --format '{{.Id}}' "$BUILD_IMAGE")}"
if [[ "$(docker image inspect --format '{{ index .Config.Labels "rampart.testbed.key" }}' "$TAG" 2>/dev/null || true)" == "$key" ]]; then
  progress_say "${PROGRESS_TAG}$TAG present"
  exit 0
fi

# The legacy builder ignores BuildKit's per-Dockerfile ignore file (gateway/Dockerfile.dockerignore) and
# would send the whole context, node_modules included. Reproduce its allowlist ("**" then "!path" lines)
# as a small context directory instead.
IGNORE_FILE="$DOCKERFILE.dockerignore"
stage=""
if [[ -f "$IGNORE_FILE" ]] && grep -qx '\*\*' "$IGNORE_FILE"; then
  stage=$(mktemp -d /tmp/rampart-gateway-ctx.XXXXXX)
  trap 'rm -rf "$stage"' EXIT
  while IFS= read -r line; do
    [[ "$line" == '!'* ]] || continue
    rel=${line#!}; rel=${rel%/\*\*}
    [[ -e "$context/$rel" ]] || { echo "testbed: $IGNORE_FILE includes $rel, which does not exist" >&2; exit 1; }
    mkdir -p "$stage/$(dirname "$rel")"
    cp -r "$context/$rel" "$stage/$rel"
  done <"$IGNORE_FILE"
  context=$stage
fi
progress_say "${PROGRESS_TAG}gateway/Dockerfile with ${build_args[*]}, context $context"
with_progress --log /tmp/rampart-gateway-build.log --hint '^Step [0-9]+/[0-9]+ :' \
  "${PROGRESS_TAG}building $TAG from gateway/Dockerfile (npm ci runs inside)" \
  docker build -f "$DOCKERFILE" "${build_args[@]}" --label "rampart.testbed.key=$key" -t "$TAG" "$context"
