#!/bin/bash
# Stand-in for the upstream image's entrypoint: it starts the node. The upstream one would also install the
# security plugin's demo configuration unless DISABLE_INSTALL_DEMO_CONFIG=true (Rampart sets it) and start
# the performance analyzer agent (not assembled here); this one never does either.
set -euo pipefail
if [[ "${1:-opensearch}" == opensearch ]]; then
  shift || true
  exec /usr/share/opensearch/bin/opensearch "$@"
fi
exec "$@"
