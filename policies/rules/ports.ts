import { PORTS, restrictedPorts, type PortEntry } from "@rampart/catalogue";
import type { Profile } from "./rule";

/**
 * Ports that must never be open to the whole internet: every admin and vpc entry of Rampart's port
 * catalogue, plus well-known admin and data ports of software a program may add next to Rampart.
 */
export interface RestrictedPort {
  from: number;
  to: number;
  protocol: "tcp" | "udp";
  label: string;
  class: "admin" | "internal";
}

/** Well-known admin/internal ports outside the catalogue (data, not scattered literals). */
const WELL_KNOWN: readonly RestrictedPort[] = [
  { from: 22, to: 22, protocol: "tcp", label: "SSH", class: "admin" },
  { from: 23, to: 23, protocol: "tcp", label: "Telnet", class: "admin" },
  { from: 3389, to: 3389, protocol: "tcp", label: "RDP", class: "admin" },
  { from: 3389, to: 3389, protocol: "udp", label: "RDP", class: "admin" },
  { from: 5900, to: 5900, protocol: "tcp", label: "VNC", class: "admin" },
  { from: 2375, to: 2376, protocol: "tcp", label: "Docker daemon API", class: "admin" },
  { from: 2379, to: 2380, protocol: "tcp", label: "etcd", class: "internal" },
  { from: 10250, to: 10250, protocol: "tcp", label: "kubelet API", class: "admin" },
  { from: 9090, to: 9090, protocol: "tcp", label: "Prometheus", class: "admin" },
  { from: 9100, to: 9100, protocol: "tcp", label: "node_exporter", class: "admin" },
  { from: 5601, to: 5601, protocol: "tcp", label: "Kibana", class: "admin" },
  { from: 3306, to: 3306, protocol: "tcp", label: "MySQL", class: "internal" },
  { from: 5432, to: 5432, protocol: "tcp", label: "PostgreSQL", class: "internal" },
  { from: 1433, to: 1433, protocol: "tcp", label: "SQL Server", class: "internal" },
  { from: 1521, to: 1521, protocol: "tcp", label: "Oracle", class: "internal" },
  { from: 27017, to: 27017, protocol: "tcp", label: "MongoDB", class: "internal" },
  { from: 11211, to: 11211, protocol: "tcp", label: "Memcached", class: "internal" },
  { from: 11211, to: 11211, protocol: "udp", label: "Memcached", class: "internal" },
  { from: 5672, to: 5672, protocol: "tcp", label: "AMQP", class: "internal" },
  { from: 9042, to: 9042, protocol: "tcp", label: "Cassandra", class: "internal" },
  { from: 6379, to: 6379, protocol: "tcp", label: "Redis", class: "internal" },
  { from: 9200, to: 9200, protocol: "tcp", label: "Elasticsearch/OpenSearch HTTP", class: "internal" },
  { from: 9300, to: 9300, protocol: "tcp", label: "Elasticsearch/OpenSearch transport", class: "internal" },
  { from: 5984, to: 5984, protocol: "tcp", label: "CouchDB", class: "internal" },
  { from: 9092, to: 9092, protocol: "tcp", label: "Kafka", class: "internal" },
  { from: 2181, to: 2181, protocol: "tcp", label: "ZooKeeper", class: "internal" },
  { from: 445, to: 445, protocol: "tcp", label: "SMB", class: "admin" },
  { from: 135, to: 135, protocol: "tcp", label: "MS RPC", class: "admin" },
  { from: 5985, to: 5986, protocol: "tcp", label: "WinRM", class: "admin" },
  { from: 6443, to: 6443, protocol: "tcp", label: "Kubernetes API", class: "admin" },
];

function fromCatalogue(p: PortEntry): RestrictedPort {
  return { from: p.from, to: p.to, protocol: p.protocol, label: `${p.description} (${p.id})`, class: p.class === "admin" ? "admin" : "internal" };
}

const CATALOGUED = restrictedPorts().map(fromCatalogue);

/** Under `rampart`: the catalogue's admin and vpc ports (by their Rampart names) and the well-known ones. */
export const RESTRICTED_PORTS: readonly RestrictedPort[] = [
  ...CATALOGUED,
  ...WELL_KNOWN.filter((w) => !CATALOGUED.some((c) => c.from <= w.from && w.to <= c.to && c.protocol === w.protocol)),
];

/** Under `baseline`, a program that is not Rampart: only ports whose meaning holds everywhere. */
export const WELL_KNOWN_RESTRICTED_PORTS: readonly RestrictedPort[] = WELL_KNOWN;

export function restrictedPortsOf(profile: Profile): readonly RestrictedPort[] {
  return profile === "baseline" ? WELL_KNOWN_RESTRICTED_PORTS : RESTRICTED_PORTS;
}

/** The ports an origin serves HTTP(S) on; only Cloudflare may reach them (docs/exposure-classes.md, class "cloudflare"). */
export const WEB_PORTS: readonly number[] = [80, ...PORTS.filter((p) => p.class === "cloudflare").map((p) => p.from)];

export type ProtocolMatch = "tcp" | "udp" | "all" | "other";

/** Normalises an AWS protocol ("tcp", "6", "-1", "all", "udp", "17", "icmp", ...). */
export function awsProtocol(v: unknown): ProtocolMatch {
  const s = String(v ?? "").toLowerCase();
  if (s === "-1" || s === "all") return "all";
  if (s === "tcp" || s === "6") return "tcp";
  if (s === "udp" || s === "17") return "udp";
  return "other";
}

/** Restricted ports a rule covering [from, to]/protocol would open. */
export function restrictedOverlaps(from: number, to: number, protocol: ProtocolMatch, profile: Profile = "rampart"): RestrictedPort[] {
  if (protocol === "other") return [];
  return restrictedPortsOf(profile).filter(
    (p) => (protocol === "all" || p.protocol === protocol) && p.from <= to && from <= p.to,
  );
}

/** Restricted entries that contain a single port. */
export function restrictedPortsAt(port: number, protocol: "tcp" | "udp", profile: Profile = "rampart"): RestrictedPort[] {
  return restrictedOverlaps(port, port, protocol, profile);
}

export function portLabel(p: RestrictedPort): string {
  const range = p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`;
  return `${range}/${p.protocol} ${p.label}`;
}
