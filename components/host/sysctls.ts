/** Kernel settings of every Docker host: why each one is there is the second column. */
export const HOST_SYSCTLS: ReadonlyArray<readonly [key: string, value: string, why: string]> = [
  ["vm.max_map_count", "262144", "Elasticsearch refuses to start below 262144 memory map areas"],
  ["net.core.rmem_max", "5000000", "UDP receive buffers for LiveKit/coturn media bursts"],
  ["net.core.wmem_max", "5000000", "UDP send buffers for LiveKit/coturn media bursts"],
  ["net.ipv4.ip_local_port_range", "20000 39999", "keep ephemeral ports out of the TURN relay (40000-49999) and LiveKit (50000-60000) ranges"],
  ["net.ipv4.tcp_syncookies", "1", "SYN flood resistance"],
  ["net.ipv4.conf.all.rp_filter", "1", "drop spoofed source addresses"],
  ["net.ipv4.conf.all.accept_redirects", "0", "ignore ICMP redirects"],
  ["net.ipv4.conf.all.send_redirects", "0", "a host is not a router"],
  ["net.ipv6.conf.all.accept_redirects", "0", "ignore ICMPv6 redirects"],
  ["net.bridge.bridge-nf-call-iptables", "1", "bridged container traffic must traverse DOCKER-USER"],
  ["net.bridge.bridge-nf-call-ip6tables", "1", "bridged container traffic must traverse DOCKER-USER (IPv6)"],
  ["kernel.kptr_restrict", "2", "hide kernel pointers from containers and users"],
  ["kernel.dmesg_restrict", "1", "kernel log for root only"],
  ["fs.protected_hardlinks", "1", "hard-link attacks"],
  ["fs.protected_symlinks", "1", "symlink attacks"],
];

export function renderSysctlConf(): string {
  return HOST_SYSCTLS.map(([k, v, why]) => `# ${why}\n${k} = ${v}`).join("\n") + "\n";
}
