#!/usr/bin/env bash
# Installs the real servers and clients the integration tests use (docs/testing.md). Idempotent.
# Stops the services the packages start on their own, so the tests own every port they use.
set -euo pipefail
# shellcheck source=lib/progress.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/progress.sh"

PACKAGES=(docker.io debootstrap coturn nginx-light redis-server fail2ban chromium testssl.sh nmap iproute2 curl openssl
  prometheus prometheus-alertmanager prometheus-blackbox-exporter busybox-static
  # The OpenSearch testbed node: Maven resolves it from Maven Central, JDK 17 writes its keystore, unzip
  # unpacks the security plugin (scripts/testbed/opensearch-dist.sh).
  maven openjdk-17-jdk-headless unzip
  # The Kubernetes suite's etcd (this script stops the service the package starts: the suite runs its own).
  etcd-server)

t0=$SECONDS
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  progress_say "installing ${missing[*]} (${#missing[@]} of ${#PACKAGES[@]} packages missing)"
  progress_total 2
  progress_step
  with_progress --log /tmp/rampart-apt-update.log "${PROGRESS_TAG}apt-get update" apt-get update -q
  progress_step
  # With recommends (docker.io brings apparmor, chromium its fonts; see docs/testing.md). The output goes
  # to a log (-q: one line per download and package, for the heartbeat), so nothing may wait for an
  # answer on the terminal.
  with_progress --log /tmp/rampart-apt-install.log "${PROGRESS_TAG}apt-get install ${#missing[@]} packages with their dependencies" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  progress_say "all ${#PACKAGES[@]} packages present"
fi

# Package post-install scripts may have started their daemons; the tests start their own.
for svc in redis-server coturn nginx fail2ban etcd prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
  # Where systemd runs, keep them from coming back on the next boot (the tests own 9090, 9093, 9100, 9115, and start their own etcd).
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
done
progress_say "packages ready in $(progress_elapsed "$t0")"
