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
#   rampart-test/livekit:<version> the base + the LiveKit binary scripts/testbed/build-go-tool.sh builds at the
#                                  version the stack pins (+ busybox's wget, as in the official alpine image)
#   rampart-test/opensearch:<v>    docker/testbed/opensearch FROM the base + Debian's JDK 17, with the home
#                                  scripts/testbed/opensearch-dist.sh assembles from Maven Central (cached)
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

# shellcheck source=lib/progress.sh
source "$ROOT/scripts/testbed/lib/progress.sh"
t0=$SECONDS
step() { progress_say "${PROGRESS_TAG}$*"; }
elapsed() { progress_elapsed "$1"; }

docker info >/dev/null 2>&1 || { echo "testbed: no Docker engine answers (run scripts/testbed/dockerd.sh)" >&2; exit 1; }

label_of() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# One counted step per image, present or built: base, coturn, nginx, redis, node24, node24-build, gateway,
# livekit, opensearch.
progress_total 9
progress_say "images: 9 images, each skipped when present and built from the same inputs"

# --- base: debootstrap is the slow step (~1 min), so it is skipped when the image holds the same packages
base_key="$SUITE:$PACKAGES"
progress_step
if [[ "$(label_of "$BASE_IMAGE" rampart.testbed.base)" == "$base_key" ]]; then
  step "$BASE_IMAGE present (packages: $PACKAGES)"
else
  t=$SECONDS
  rootfs=$(mktemp -d /tmp/rampart-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  step "building $BASE_IMAGE: debootstrap $SUITE minbase with $PACKAGES, then docker import"
  with_progress --log /tmp/rampart-debootstrap.log "${PROGRESS_TAG}debootstrap $SUITE into $rootfs (about 1 min)" \
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR"
  # The packages' maintainer scripts leave their own defaults behind; the tests mount rendered configs.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  import_rootfs() {
    tar -C "$rootfs" -c . | docker import \
      --change "LABEL rampart.testbed.base=$base_key" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/bash"]' \
      - "$BASE_IMAGE"
  }
  with_progress --log /tmp/rampart-base-import.log "${PROGRESS_TAG}docker import of the root filesystem as $BASE_IMAGE" import_rootfs
  rm -rf "$rootfs"; trap - EXIT
  step "$BASE_IMAGE built in $(elapsed "$t")"
fi

# --- derived images: cheap, but skipped when the Dockerfile and its context did not change
# The legacy builder's step lines ("Step 3/5 : RUN …") say best where a build is.
DOCKER_STEP='^Step [0-9]+/[0-9]+ :'
# quiet_build <log name> <what> <docker build args…>: the build's output goes to /tmp/rampart-image-build-<log name>.log
quiet_build() {
  local name=$1 what=$2; shift 2
  with_progress --log "/tmp/rampart-image-build-$name.log" --hint "$DOCKER_STEP" "${PROGRESS_TAG}building $what" docker build "$@"
}
context_hash() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
build_derived() {
  local name=$1 image=$2 dir="$TESTBED_DIR/$1" key
  progress_step
  key="$(context_hash "$dir")@$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")"
  if [[ "$(label_of "$image" rampart.testbed.key)" == "$key" ]]; then
    step "$image present"
    return
  fi
  quiet_build "$name" "$image from docker/testbed/$name" --build-arg "BASE=$BASE_IMAGE" --label "rampart.testbed.key=$key" -t "$image" "$dir"
}
build_derived coturn rampart-test/coturn:bookworm
build_derived nginx rampart-test/nginx:bookworm
build_derived redis rampart-test/redis:bookworm

# --- node24: the node binary from the node@24 npm package (the only Node the registry we have ships)
progress_step
node_bin=${NODE24_BIN:-}
if [[ -z "$node_bin" ]]; then
  for candidate in "$HOME/.node24/node_modules/node/bin/node" "$(command -v node || true)"; do
    if [[ -x "$candidate" ]] && [[ "$("$candidate" -v)" == v24.* ]]; then node_bin=$(readlink -f "$candidate"); break; fi
  done
fi
if [[ -z "$node_bin" ]]; then
  with_progress --log /tmp/rampart-node24-fetch.log "${PROGRESS_TAG}fetching node@24 from npm" \
    npm install --prefix /tmp/rampart-node24 --no-save --no-audit --no-fund node@24
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
  ctx=$(mktemp -d /tmp/rampart-node24ctx.XXXXXX)
  cp "$TESTBED_DIR/node24/Dockerfile" "$ctx/"
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir" "$ctx/npm"
  quiet_build node24 "$NODE_IMAGE (node $node_version, npm $npm_version)" --build-arg "BASE=$BASE_IMAGE" --label "rampart.testbed.key=$node_key" -t "$NODE_IMAGE" "$ctx"
  rm -rf "$ctx"
fi

# --- node24-build: node24 + this machine's CA bundle, for the Dockerfile's npm install stage only
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[[ -f "$CA_BUNDLE" ]] || { echo "testbed: CA bundle $CA_BUNDLE missing" >&2; exit 1; }
progress_step
build_key="$(docker image inspect --format '{{.Id}}' "$NODE_IMAGE")@$(sha256sum "$CA_BUNDLE" | cut -c1-16)@$(context_hash "$TESTBED_DIR/node24-build")"
if [[ "$(label_of "$NODE_BUILD_IMAGE" rampart.testbed.key)" == "$build_key" ]]; then
  step "$NODE_BUILD_IMAGE present"
else
  ctx=$(mktemp -d /tmp/rampart-node24build.XXXXXX)
  cp "$TESTBED_DIR/node24-build/Dockerfile" "$ctx/"
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  quiet_build node24-build "$NODE_BUILD_IMAGE (node24 + this machine's CA bundle)" --build-arg "BASE=$NODE_IMAGE" --label "rampart.testbed.key=$build_key" -t "$NODE_BUILD_IMAGE" "$ctx"
  rm -rf "$ctx"
fi

# --- gateway: the production Dockerfile, only its base images substituted through its build ARGs
progress_step
TESTBED_STEP=$PROGRESS_TAG "$ROOT/scripts/testbed/gateway-image.sh" "$NODE_IMAGE" "$GATEWAY_IMAGE" "$NODE_BUILD_IMAGE"

# --- livekit: the binary of the pinned release (built once per version into ~/.cache by build-go-tool.sh;
# a cold build takes about 9 min on 2 cores), keyed by version and the binary's hash
progress_step
livekit_bin=$("$ROOT/scripts/testbed/build-go-tool.sh" livekit | tail -n 1)
livekit_version=$(basename "$(dirname "$livekit_bin")"); livekit_version=${livekit_version#v}
LIVEKIT_IMAGE=rampart-test/livekit:$livekit_version
BUSYBOX=${BUSYBOX:-/bin/busybox}
[[ -x "$BUSYBOX" ]] || { echo "testbed: $BUSYBOX missing (Debian's busybox-static; run scripts/testbed/install.sh)" >&2; exit 1; }
livekit_key="v$livekit_version@$(sha256sum "$livekit_bin" | cut -c1-16)@$(sha256sum "$BUSYBOX" | cut -c1-16)@$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")@$(context_hash "$TESTBED_DIR/livekit")"
if [[ "$(label_of "$LIVEKIT_IMAGE" rampart.testbed.key)" == "$livekit_key" ]]; then
  step "$LIVEKIT_IMAGE present"
else
  ctx=$(mktemp -d /tmp/rampart-livekitctx.XXXXXX)
  cp "$TESTBED_DIR/livekit/Dockerfile" "$ctx/"
  cp "$livekit_bin" "$ctx/livekit-server"
  cp "$BUSYBOX" "$ctx/busybox"
  quiet_build livekit "$LIVEKIT_IMAGE (LiveKit v$livekit_version)" --build-arg "BASE=$BASE_IMAGE" --label "rampart.testbed.key=$livekit_key" -t "$LIVEKIT_IMAGE" "$ctx"
  rm -rf "$ctx"
fi
PROGRESS_TAG=""

# --- opensearch: the home assembled from Maven Central (cached by version outside the repo) on the base
progress_step
os_home=$(TESTBED_STEP=$PROGRESS_TAG "$ROOT/scripts/testbed/opensearch-dist.sh" | tail -1)
os_version=$(basename "$(dirname "$os_home")")
OPENSEARCH_IMAGE=rampart-test/opensearch:${os_version#v}
os_key="$(context_hash "$TESTBED_DIR/opensearch")@$(cd "$os_home" && find . -type f -printf '%P %s\n' | sort | sha256sum | cut -c1-16)@$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")"
if [[ "$(label_of "$OPENSEARCH_IMAGE" rampart.testbed.key)" == "$os_key" ]]; then
  step "$OPENSEARCH_IMAGE present"
else
  ctx=$(mktemp -d /tmp/rampart-opensearchctx.XXXXXX)
  cp -a "$TESTBED_DIR/opensearch/." "$ctx/"
  cp -a "$os_home" "$ctx/home"
  rm -f "$ctx/home/.assembled"
  quiet_build opensearch "$OPENSEARCH_IMAGE (Debian's JDK 17 + the assembled home)" --build-arg "BASE=$BASE_IMAGE" --label "rampart.testbed.key=$os_key" -t "$OPENSEARCH_IMAGE" "$ctx"
  rm -rf "$ctx"
fi
PROGRESS_TAG=""

step "images ready in $(elapsed "$t0")"
