#!/usr/bin/env bash
# Installs the real servers and clients the integration tests use (docs/testing.md). Idempotent.
# Stops the services the packages start on their own, so the tests own every port they use.
set -euo pipefail

PACKAGES=(docker.io debootstrap coturn nginx-light redis-server fail2ban chromium testssl.sh nmap iproute2 curl openssl)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "testbed: installing ${missing[*]}"
  apt-get update -qq
  # With recommends (docker.io brings apparmor, chromium its fonts; see docs/testing.md).
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Package post-install scripts may have started their daemons; the tests start their own.
for svc in redis-server coturn nginx fail2ban; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "testbed: packages ready"
