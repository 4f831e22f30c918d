#!/usr/bin/env bash
# A namespace lab for the DOCKER-USER rules: a "host" namespace forwarding with Docker-style DNAT
# (FORWARD jumps to DOCKER-USER first), a "container" listening on every probed TCP port, and one client
# namespace per kind of source. Only namespaces created here are touched; all are removed on exit, and
# no packet can leave them (no link to the machine's own network).
#   outside     192.0.2.2     (TEST-NET-1: the internet)
#   cloudflare  203.0.113.2   (TEST-NET-3: pass it as the Cloudflare range)
#   admin       198.51.100.2  (TEST-NET-2: pass it as the admin CIDR)
#   vpc         10.40.5.5     (inside the VPC CIDR 10.40.0.0/16)
# usage: netns-firewall-lab.sh RULES_V4_FILE PORT...   prints "<source> <port> open|closed"
# LAB_MODE=host: the listener is a host-network service instead (in the "host" namespace, on every
# interface, as LiveKit's ICE/TCP and metrics ports are on AWS); INPUT jumps to RAMPART-INPUT first and
# RULES_V4_FILE holds that chain. Nothing is DNATed, so DOCKER-USER is never consulted.
set -euo pipefail
rules=$1; shift
id="rfw$$"
host="$id-host"; ctr="$id-ctr"
sources=("outside:192.0.2" "cloudflare:203.0.113" "admin:198.51.100" "vpc:10.40.5")
namespaces=("$host" "$ctr")
for s in "${sources[@]}"; do namespaces+=("$id-${s%%:*}"); done
cleanup() { for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT

for n in "${namespaces[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done
i=0
for s in "${sources[@]}"; do
  name=${s%%:*}; net=${s#*:}; ns="$id-$name"
  ip link add "${id}s${i}" netns "$ns" type veth peer name "${id}h${i}" netns "$host"
  ip -n "$ns" addr add "$net.2/24" dev "${id}s${i}"; ip -n "$ns" link set "${id}s${i}" up
  ip -n "$host" addr add "$net.1/24" dev "${id}h${i}"; ip -n "$host" link set "${id}h${i}" up
  ip -n "$ns" route add default via "$net.1"
  i=$((i + 1))
done
ip link add "${id}c0" netns "$ctr" type veth peer name "${id}c1" netns "$host"
ip -n "$host" link add br-lab type bridge
ip -n "$host" link set "${id}c1" master br-lab
ip -n "$host" addr add 172.30.0.1/24 dev br-lab; ip -n "$ctr" addr add 172.30.0.2/24 dev "${id}c0"
ip -n "$host" link set br-lab up; ip -n "$host" link set "${id}c1" up; ip -n "$ctr" link set "${id}c0" up
ip -n "$ctr" route add default via 172.30.0.1
ip netns exec "$host" sysctl -qw net.ipv4.ip_forward=1

# Docker's shape: every published port DNATed to the container; FORWARD consults DOCKER-USER first.
ip netns exec "$host" iptables -N DOCKER-USER
ip netns exec "$host" iptables -A FORWARD -j DOCKER-USER
ip netns exec "$host" iptables -A FORWARD -j ACCEPT
for p in "$@"; do
  ip netns exec "$host" iptables -t nat -A PREROUTING -p tcp --dport "$p" -j DNAT --to-destination "172.30.0.2:$p"
done
listen_ns=$ctr; listen_addr=172.30.0.2
if [[ "${LAB_MODE:-}" == host ]]; then
  ip netns exec "$host" iptables -N RAMPART-INPUT
  ip netns exec "$host" iptables -I INPUT 1 -j RAMPART-INPUT
  listen_ns=$host; listen_addr=0.0.0.0
  ip netns exec "$host" iptables -t nat -F PREROUTING
fi
ip netns exec "$host" iptables-restore --noflush "$rules"

ip netns exec "$listen_ns" node -e '
  const net = require("net");
  const [addr, ...ports] = process.argv.slice(1);
  for (const p of ports) net.createServer((s) => { s.on("error", () => {}); s.end("ok"); }).listen(Number(p), addr);
  setTimeout(() => process.exit(0), 30000);
' "$listen_addr" "$@" &
server=$!
sleep 0.5
for s in "${sources[@]}"; do
  name=${s%%:*}; net=${s#*:}
  for p in "$@"; do
    if ip netns exec "$id-$name" timeout 1 bash -c "exec 3<>/dev/tcp/$net.1/$p" 2>/dev/null; then
      echo "$name $p open"
    else
      echo "$name $p closed"
    fi
  done
done
kill "$server" 2>/dev/null || true
