#!/usr/bin/env bash
# Builds the images the container tests run (docs/testing.md): no registry, everything from Debian packages
# and the node@24 npm package. Idempotent: each step is skipped when its image is already there and
# was built from the same inputs (a content label on every image).
#
#   rampart-test/base:bookworm     debootstrap minbase + the service packages, `docker import`ed
#   rampart-test/coturn:bookworm   \
#   rampart-test/nginx:bookworm     > docker/testbed/<svc>/Dockerfile FROM the base
#   rampart-test/redis:bookworm    /
#   rampart-test/node24:bookworm   the base + the node binary of the node@24 npm package
#   rampart-test/node24-build:bookworm  node24 + this machine's CA bundle (npm install stage only)
#   rampart-test/gateway:local     gateway/Dockerfile with its base image ARGs pointed at those two
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTBED_DIR="$ROOT/docker/testbed"
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# curl: the edge healthcheck; the others are what the services are.
PACKAGES=coturn,nginx-light,redis-server,ca-certificates,curl
BASE_IMAGE=rampart-test/base:bookworm
NODE_IMAGE=rampart-test/node24:bookworm
NODE_BUILD_IMAGE=rampart-test/node24-build:bookworm
GATEWAY_IMAGE=rampart-test/gateway:local

t0=$SECONDS
step() { echo "testbed: $*"; }
elapsed() { echo "$((SECONDS - $1)) s"; }

docker info >/dev/null 2>&1 || { echo "testbed: no Docker engine answers (run scripts/testbed/dockerd.sh)" >&2; exit 1; }

label_of() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# --- base: debootstrap is the slow step (~1 min), so it is skipped when the image holds the same packages
base_key="$SUITE:$PACKAGES"
if [[ "$(label_of "$BASE_IMAGE" rampart.testbed.base)" == "$base_key" ]]; then
  step "$BASE_IMAGE present (packages: $PACKAGES)"
else
  t=$SECONDS
  rootfs=$(mktemp -d /tmp/rampart-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  step "debootstrap $SUITE ($PACKAGES) into $rootfs"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" >/tmp/rampart-debootstrap.log 2>&1 \
    || { tail -n 30 /tmp/rampart-debootstrap.log >&2; exit 1; }
  # The packages' maintainer scripts leave their own defaults behind; the tests mount rendered configs.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL rampart.testbed.base=$base_key" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"; trap - EXIT
  step "$BASE_IMAGE built in $(elapsed "$t")"
fi

# --- derived images: cheap, but skipped when the Dockerfile and its context did not change
BUILD_LOG=/tmp/rampart-image-build.log
quiet_build() {
  if ! docker build "$@" >"$BUILD_LOG" 2>&1; then
    echo "testbed: docker build $* failed:" >&2; tail -n 40 "$BUILD_LOG" >&2; exit 1
  fi
}
context_hash() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
build_derived() {
  local name=$1 image=$2 dir="$TESTBED_DIR/$1" key
  key="$(context_hash "$dir")@$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")"
  if [[ "$(label_of "$image" rampart.testbed.key)" == "$key" ]]; then
    step "$image present"
    return
  fi
  local t=$SECONDS
  quiet_build --build-arg "BASE=$BASE_IMAGE" --label "rampart.testbed.key=$key" -t "$image" "$dir" >/dev/null
  step "$image built in $(elapsed "$t")"
}
build_derived coturn rampart-test/coturn:bookworm
build_derived nginx rampart-test/nginx:bookworm
build_derived redis rampart-test/redis:bookworm

# --- node24: the node binary from the node@24 npm package (the only Node the registry we have ships)
node_bin=${NODE24_BIN:-}
if [[ -z "$node_bin" ]]; then
  for candidate in "$HOME/.node24/node_modules/node/bin/node" "$(command -v node || true)"; do
    if [[ -x "$candidate" ]] && [[ "$("$candidate" -v)" == v24.* ]]; then node_bin=$(readlink -f "$candidate"); break; fi
  done
fi
if [[ -z "$node_bin" ]]; then
  step "fetching node@24 from npm"
  npm install --prefix /tmp/rampart-node24 --no-save --no-audit --no-fund node@24 >/dev/null
  node_bin=$(readlink -f /tmp/rampart-node24/node_modules/node/bin/node)
fi
npm_dir=${NPM_DIR:-$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")}
[[ -f "$npm_dir/package.json" ]] || { echo "testbed: no npm CLI found (looked in $npm_dir)" >&2; exit 1; }
node_version=$("$node_bin" -v)
npm_version=$(node -p "require('$npm_dir/package.json').version" 2>/dev/null || "$node_bin" -p "require('$npm_dir/package.json').version")
node_key="$node_version+npm$npm_version@$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")@$(context_hash "$TESTBED_DIR/node24")"
if [[ "$(label_of "$NODE_IMAGE" rampart.testbed.key)" == "$node_key" ]]; then
  step "$NODE_IMAGE present (node $node_version, npm $npm_version)"
else
  t=$SECONDS
  ctx=$(mktemp -d /tmp/rampart-node24ctx.XXXXXX)
  cp "$TESTBED_DIR/node24/Dockerfile" "$ctx/"
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir" "$ctx/npm"
  quiet_build --build-arg "BASE=$BASE_IMAGE" --label "rampart.testbed.key=$node_key" -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  step "$NODE_IMAGE built with node $node_version, npm $npm_version in $(elapsed "$t")"
fi

# --- node24-build: node24 + this machine's CA bundle, for the Dockerfile's npm install stage only
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[[ -f "$CA_BUNDLE" ]] || { echo "testbed: CA bundle $CA_BUNDLE missing" >&2; exit 1; }
build_key="$(docker image inspect --format '{{.Id}}' "$NODE_IMAGE")@$(sha256sum "$CA_BUNDLE" | cut -c1-16)@$(context_hash "$TESTBED_DIR/node24-build")"
if [[ "$(label_of "$NODE_BUILD_IMAGE" rampart.testbed.key)" == "$build_key" ]]; then
  step "$NODE_BUILD_IMAGE present"
else
  t=$SECONDS
  ctx=$(mktemp -d /tmp/rampart-node24build.XXXXXX)
  cp "$TESTBED_DIR/node24-build/Dockerfile" "$ctx/"
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  quiet_build --build-arg "BASE=$NODE_IMAGE" --label "rampart.testbed.key=$build_key" -t "$NODE_BUILD_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  step "$NODE_BUILD_IMAGE built in $(elapsed "$t")"
fi

# --- gateway: the production Dockerfile, only its base images substituted through its build ARGs
"$ROOT/scripts/testbed/gateway-image.sh" "$NODE_IMAGE" "$GATEWAY_IMAGE" "$NODE_BUILD_IMAGE"

step "images ready in $(elapsed "$t0")"
