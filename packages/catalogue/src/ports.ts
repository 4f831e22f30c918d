/**
 * The port catalogue: every port of the Rampart stack and who may reach it (docs/exposure-classes.md).
 *
 * Security groups, the host's DOCKER-USER firewall, Docker port bindings, DNS proxying, the edge proxy
 * and the policy pack all derive from this one table, so they cannot disagree. Add a port here, never
 * as a literal somewhere else.
 */

/** Who may reach a port. */
export type ExposureClass = "public" | "cloudflare" | "admin" | "vpc";

export type Protocol = "tcp" | "udp";

/** Services Rampart deploys, plus `host` (the machine itself) and `external` (known ports of neighbouring systems). */
export type ServiceName =
  | "livekit"
  | "coturn"
  | "gateway"
  | "elasticsearch"
  | "redis"
  | "edge"
  | "prometheus"
  | "alertmanager"
  | "grafana"
  | "blackbox"
  | "host"
  | "external";

/** Deploy targets a port exists on. LiveKit's single UDP mux port replaces the 10,000-port range locally. */
export const DEPLOY_TARGETS = ["local", "aws"] as const;
export type Target = (typeof DEPLOY_TARGETS)[number];

/**
 * What a stack may name as `rampart:target`. `aws-scale` runs the services on Kubernetes (EKS) with managed
 * Redis and search: it uses the `aws` port layout (`portLayoutOf`) on the `kubernetes` platform.
 */
export const STACK_TARGETS = ["local", "aws", "aws-scale"] as const;
export type StackTarget = (typeof STACK_TARGETS)[number];

/** Where the services run: containers on a Docker engine, or pods on Kubernetes. */
export type Platform = "docker" | "kubernetes";

export function portLayoutOf(target: StackTarget): Target {
  return target === "aws-scale" ? "aws" : target;
}

export function platformOf(target: StackTarget): Platform {
  return target === "aws-scale" ? "kubernetes" : "docker";
}

export interface PortEntry {
  /** Stable identifier, used by components to look a port up. */
  readonly id: string;
  readonly service: ServiceName;
  readonly from: number;
  readonly to: number;
  readonly protocol: Protocol;
  readonly class: ExposureClass;
  readonly description: string;
  /** Targets this port exists on (default: all). */
  readonly targets?: readonly Target[];
  /** The port is opened only when this feature is configured (e.g. admin SSH). */
  readonly when?: "adminSsh";
  /**
   * How the port is reached by name: `proxied` — an HTTP(S) hostname served through Cloudflare's proxy;
   * `dns-only` — a hostname Cloudflare cannot proxy (TURN, media), published as a grey-cloud record.
   */
  readonly dns?: "proxied" | "dns-only";
  /** Platforms the port exists on (default: both). A managed service replaces a container on Kubernetes. */
  readonly platforms?: readonly Platform[];
  /**
   * Rampart services that connect to this port (vpc class): the allowed flows. Kubernetes NetworkPolicies
   * and the node security groups are generated from these; a port without peers is reached by nobody
   * inside the stack.
   */
  readonly peers?: readonly ServiceName[];
  /** A Prometheus scrape target: the metrics flow (Prometheus -> this port) is allowed. */
  readonly scrape?: true;
}


export const PORTS: readonly PortEntry[] = [
  // public: media and TURN must be reachable by any client, they cannot pass through Cloudflare's HTTP proxy.
  { id: "livekit-rtc-tcp", service: "livekit", from: 7881, to: 7881, protocol: "tcp", class: "public", dns: "dns-only", description: "LiveKit ICE over TCP (fallback when UDP is blocked)" },
  { id: "livekit-rtc-udp", service: "livekit", from: 50000, to: 60000, protocol: "udp", class: "public", dns: "dns-only", targets: ["aws"], description: "LiveKit ICE/RTP over UDP, one port per participant track" },
  { id: "livekit-rtc-udp-mux", service: "livekit", from: 7882, to: 7882, protocol: "udp", class: "public", dns: "dns-only", targets: ["local"], description: "LiveKit ICE/RTP over one multiplexed UDP port (local target)" },
  { id: "turn-udp", service: "coturn", from: 3478, to: 3478, protocol: "udp", class: "public", dns: "dns-only", description: "TURN/STUN over UDP" },
  { id: "turn-tcp", service: "coturn", from: 3478, to: 3478, protocol: "tcp", class: "public", dns: "dns-only", description: "TURN/STUN over TCP" },
  { id: "turns-tcp", service: "coturn", from: 5349, to: 5349, protocol: "tcp", class: "public", dns: "dns-only", description: "TURN over TLS" },
  { id: "turn-relay-udp", service: "coturn", from: 40000, to: 49999, protocol: "udp", class: "public", targets: ["aws"], description: "TURN relay ports (coturn min-port/max-port); disjoint from LiveKit's range" },
  { id: "turn-relay-udp-local", service: "coturn", from: 49160, to: 49200, protocol: "udp", class: "public", targets: ["local"], description: "TURN relay ports, a small range for the local target" },

  // cloudflare: the only HTTP(S) entry, and only Cloudflare's proxies may knock on it.
  { id: "edge-https", service: "edge", from: 443, to: 443, protocol: "tcp", class: "cloudflare", dns: "proxied", description: "Edge proxy HTTPS (gateway WebSocket and device API, LiveKit signalling), Authenticated Origin Pulls" },

  // admin: operators from the configured admin CIDRs only.
  { id: "ssh", service: "host", from: 22, to: 22, protocol: "tcp", class: "admin", when: "adminSsh", description: "SSH, only when admin SSH is configured (SSM Session Manager is the default way in)" },
  { id: "livekit-prometheus", service: "livekit", from: 6789, to: 6789, protocol: "tcp", class: "admin", scrape: true, description: "LiveKit Prometheus metrics (basic auth)" },
  { id: "gateway-metrics", service: "gateway", from: 9464, to: 9464, protocol: "tcp", class: "admin", scrape: true, description: "Gateway Prometheus metrics" },
  { id: "coturn-prometheus", service: "coturn", from: 9641, to: 9641, protocol: "tcp", class: "admin", scrape: true, description: "coturn Prometheus metrics" },
  // On Kubernetes operators reach the three UIs with `kubectl port-forward` (the API server's admin-only
  // endpoint); the peers are the in-cluster flows between them.
  { id: "prometheus-http", service: "prometheus", from: 9090, to: 9090, protocol: "tcp", class: "admin", peers: ["grafana"], description: "Prometheus UI and API (alerts, queries); operators only" },
  { id: "alertmanager-http", service: "alertmanager", from: 9093, to: 9093, protocol: "tcp", class: "admin", peers: ["prometheus"], description: "Alertmanager UI and API (silences, alert state); operators only, clustering off" },
  { id: "grafana-http", service: "grafana", from: 3000, to: 3000, protocol: "tcp", class: "admin", description: "Grafana security dashboard (admin login); operators only" },
  // Reached only by Prometheus: on Docker over the monitoring network and published on no host (so no
  // security group or host firewall rule is derived from it there), on Kubernetes by a NetworkPolicy flow.
  { id: "blackbox-exporter", service: "blackbox", from: 9115, to: 9115, protocol: "tcp", class: "vpc", platforms: ["kubernetes"], peers: ["prometheus"], description: "Blackbox exporter (certificate-expiry probes), reached by Prometheus only, never published" },
  { id: "bot-admin", service: "external", from: 9101, to: 9113, protocol: "tcp", class: "admin", description: "Admin UIs of neighbouring bot servers (9101-9113)" },

  // vpc: service-to-service traffic inside the VPC only.
  { id: "livekit-api", service: "livekit", from: 7880, to: 7880, protocol: "tcp", class: "vpc", peers: ["edge"], description: "LiveKit HTTP API and signalling (reached through the edge proxy)" },
  { id: "gateway-http", service: "gateway", from: 8080, to: 8080, protocol: "tcp", class: "vpc", peers: ["edge"], description: "Gateway WebSocket and device API (reached through the edge proxy)" },
  { id: "elasticsearch-http", service: "elasticsearch", from: 9200, to: 9200, protocol: "tcp", class: "vpc", platforms: ["docker"], description: "Elasticsearch REST API (TLS)" },
  { id: "elasticsearch-transport", service: "elasticsearch", from: 9300, to: 9300, protocol: "tcp", class: "vpc", platforms: ["docker"], description: "Elasticsearch node-to-node transport (TLS)" },
  { id: "redis", service: "redis", from: 6379, to: 6379, protocol: "tcp", class: "vpc", peers: ["gateway", "livekit"], description: "Redis (ACL users per client)" },
  { id: "search-https", service: "elasticsearch", from: 443, to: 443, protocol: "tcp", class: "vpc", platforms: ["kubernetes"], peers: ["gateway"], description: "Amazon OpenSearch Service domain endpoint (HTTPS, VPC only)" },
  { id: "database", service: "external", from: 3307, to: 3307, protocol: "tcp", class: "vpc", description: "Database of neighbouring bot servers (3307)" },
];

/** Ports of a target on a platform (default docker), with feature-gated ones included only when enabled. */
export function portsFor(target: Target, features: { adminSsh?: boolean; platform?: Platform } = {}): PortEntry[] {
  const platform = features.platform ?? "docker";
  return PORTS.filter(
    (p) =>
      (p.targets ?? DEPLOY_TARGETS).includes(target) &&
      (p.platforms ?? ["docker", "kubernetes"]).includes(platform) &&
      (p.when !== "adminSsh" || features.adminSsh === true),
  );
}

/** Ports Prometheus scrapes among `ports`. */
export function scrapedPorts(ports: readonly PortEntry[] = PORTS): PortEntry[] {
  return ports.filter((p) => p.scrape === true);
}

export function portsOfClass(cls: ExposureClass, ports: readonly PortEntry[] = PORTS): PortEntry[] {
  return ports.filter((p) => p.class === cls);
}

export function portsOfService(service: ServiceName, ports: readonly PortEntry[] = PORTS): PortEntry[] {
  return ports.filter((p) => p.service === service);
}

export function port(id: string): PortEntry {
  const found = PORTS.find((p) => p.id === id);
  if (!found) throw new Error(`port catalogue has no entry "${id}"`);
  return found;
}

/** True when the entry covers `n` (inclusive range). */
export function covers(entry: Pick<PortEntry, "from" | "to">, n: number): boolean {
  return n >= entry.from && n <= entry.to;
}

/**
 * Ports that must never be reachable from the whole internet: every admin and vpc entry, except a number a
 * public or cloudflare entry also serves (OpenSearch Service's endpoint is 443 like the edge): rules that
 * judge by port number cannot tell those apart, and the managed service is guarded by its own rules.
 */
export function restrictedPorts(): PortEntry[] {
  const open = PORTS.filter((p) => p.class === "public" || p.class === "cloudflare");
  return PORTS.filter(
    (p) => (p.class === "admin" || p.class === "vpc") && !open.some((o) => o.protocol === p.protocol && o.from <= p.to && p.from <= o.to),
  );
}

export function rangeLabel(p: Pick<PortEntry, "from" | "to" | "protocol">): string {
  return p.from === p.to ? `${p.from}/${p.protocol}` : `${p.from}-${p.to}/${p.protocol}`;
}
