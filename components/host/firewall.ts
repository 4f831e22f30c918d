import { rangeLabel, type PortEntry } from "@rampart/catalogue";

export interface FirewallInput {
  /** Ports of this host from the catalogue (already filtered by target and features). */
  readonly ports: readonly PortEntry[];
  readonly vpcCidr: string;
  readonly adminCidrs: readonly string[];
  readonly cloudflareIpv4: readonly string[];
  readonly cloudflareIpv6: readonly string[];
}

/**
 * DOCKER-USER rules in iptables-restore format, one file per address family.
 *
 * Docker publishes ports with its own NAT rules, around ufw and the INPUT chain (Docker's own docs:
 * https://docs.docker.com/engine/network/packet-filtering-firewalls/): DOCKER-USER is the one chain Docker guarantees to consult first for traffic forwarded to
 * containers. Ports are matched on the original destination (`--ctorigdstport`), because by the time a
 * packet reaches DOCKER-USER it has been DNATed to the container's port. Everything from outside that
 * is not a catalogued port from its class's sources is dropped, so a container published on the wrong
 * address is still unreachable. The security group stays the outer wall; this is the inner one.
 */
export function renderDockerUserRules(input: FirewallInput, family: "ipv4" | "ipv6"): string {
  const lines = [
    "*filter",
    ":DOCKER-USER - [0:0]",
    "-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
    // Traffic leaving containers (egress, and between containers on user bridges) is not "from outside".
    "-A DOCKER-USER -i docker0 -j RETURN",
    "-A DOCKER-USER -i br-+ -j RETURN",
  ];
  for (const p of input.ports) {
    const match = `-p ${p.protocol} -m conntrack --ctorigdstport ${p.from === p.to ? p.from : `${p.from}:${p.to}`}`;
    const comment = `-m comment --comment "${p.class} ${p.id} ${rangeLabel(p)}"`;
    for (const source of sourcesOf(p, input, family)) {
      lines.push(`-A DOCKER-USER ${source ? `-s ${source} ` : ""}${match} ${comment} -j RETURN`);
    }
  }
  lines.push('-A DOCKER-USER -m comment --comment "not in the port catalogue for this source" -j DROP', "COMMIT", "");
  return lines.join("\n");
}

/**
 * The host's own INPUT rules (iptables-restore format, one file per family), for the services that run on
 * the host network (LiveKit and coturn on AWS). Their sockets are the host's: traffic to them is never
 * forwarded, so DOCKER-USER never sees it, and LiveKit binds its ICE/TCP port on every interface whatever
 * `bind_addresses` says. So the host filters new inbound TCP and UDP itself: a
 * catalogued port from its class's sources passes, loopback, replies, the Docker bridges (containers
 * reaching a host-network service, e.g. the edge proxy reaching LiveKit's API) and DHCP replies pass,
 * everything else is dropped. ICMP is left alone (path MTU discovery, IPv6 neighbour discovery). The
 * security group stays the outer wall; this is the inner one, as DOCKER-USER is for containers.
 * The chain is RAMPART-INPUT; the host's unit puts one jump to it at the top of INPUT.
 */
export function renderHostInputRules(input: FirewallInput, family: "ipv4" | "ipv6"): string {
  const lines = [
    "*filter",
    `:${HOST_INPUT_CHAIN} - [0:0]`,
    `-A ${HOST_INPUT_CHAIN} -i lo -j RETURN`,
    `-A ${HOST_INPUT_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
    `-A ${HOST_INPUT_CHAIN} -i docker0 -j RETURN`,
    `-A ${HOST_INPUT_CHAIN} -i br-+ -j RETURN`,
    family === "ipv4"
      ? `-A ${HOST_INPUT_CHAIN} -p udp --sport 67 --dport 68 -m comment --comment "DHCP replies" -j RETURN`
      : `-A ${HOST_INPUT_CHAIN} -s fe80::/10 -p udp --sport 547 --dport 546 -m comment --comment "DHCPv6 replies" -j RETURN`,
  ];
  for (const p of input.ports) {
    const match = `-p ${p.protocol} --dport ${p.from === p.to ? p.from : `${p.from}:${p.to}`}`;
    const comment = `-m comment --comment "${p.class} ${p.id} ${rangeLabel(p)}"`;
    for (const source of sourcesOf(p, input, family)) {
      lines.push(`-A ${HOST_INPUT_CHAIN} ${source ? `-s ${source} ` : ""}${match} ${comment} -j RETURN`);
    }
  }
  for (const protocol of ["tcp", "udp"]) {
    lines.push(`-A ${HOST_INPUT_CHAIN} -p ${protocol} -m comment --comment "host: not in the port catalogue for this source" -j DROP`);
  }
  lines.push("COMMIT", "");
  return lines.join("\n");
}

export const HOST_INPUT_CHAIN = "RAMPART-INPUT";

function sourcesOf(p: PortEntry, input: FirewallInput, family: "ipv4" | "ipv6"): Array<string | undefined> {
  const v6 = (c: string) => c.includes(":");
  const ofFamily = (list: readonly string[]) => list.filter((c) => (family === "ipv6" ? v6(c) : !v6(c)));
  switch (p.class) {
    case "public":
      return [undefined];
    case "cloudflare":
      return family === "ipv4" ? [...input.cloudflareIpv4] : [...input.cloudflareIpv6];
    case "admin":
      return ofFamily(input.adminCidrs);
    case "vpc":
      return family === "ipv4" ? [input.vpcCidr] : [];
  }
}
