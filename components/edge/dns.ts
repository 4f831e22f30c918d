import { port, type PortEntry } from "@rampart/catalogue";
import { isHostname } from "@rampart/catalogue";

/**
 * Which hostnames are published, and whether through Cloudflare's proxy, derived from the port catalogue:
 * a hostname inherits the `dns` mode of the catalogue entries it serves. HTTP(S) lives only behind the
 * `edge-https` (cloudflare class, `dns: "proxied"`) entry, so an HTTP service can never be published
 * DNS-only; TURN and media ports cannot pass an HTTP proxy, so they are the only grey-cloud records.
 */

/** The hostnames Rampart publishes, by role. */
export interface EdgeHostnames {
  /** The gateway (WebSocket /ws and device API) behind the edge proxy. */
  readonly app: string;
  /** LiveKit signalling behind the edge proxy. */
  readonly livekit: string;
  /** coturn: TURN/STUN and TURNS. */
  readonly turn: string;
  /** LiveKit ICE media (optional: LiveKit's candidates carry addresses, a name is only for operators/clients that want one). */
  readonly media?: string;
}

type HostnameRole = keyof EdgeHostnames;

/** Which address a record points at: the edge proxy's host, or the host that carries TURN/media. */
type RecordAddress = "origin" | "media";

const ROLES: Readonly<Record<HostnameRole, { readonly portIds: readonly string[] }>> = {
  app: { portIds: ["edge-https"] },
  livekit: { portIds: ["edge-https"] },
  turn: { portIds: ["turn-udp", "turn-tcp", "turns-tcp"] },
  media: { portIds: ["livekit-rtc-tcp", "livekit-rtc-udp"] },
};

/** An additional hostname (e.g. an alias of the gateway) bound to a catalogue entry. */
export interface ExtraRecord {
  readonly name: string;
  /** The catalogue entry the hostname serves, e.g. "edge-https". */
  readonly portId: string;
  /** What the caller expects; refused when it contradicts the catalogue. */
  readonly proxied?: boolean;
}

interface PlannedRecord {
  readonly role: HostnameRole | "extra";
  readonly name: string;
  readonly proxied: boolean;
  readonly address: RecordAddress;
  readonly portIds: readonly string[];
}

interface DnsPlanInput {
  readonly domain: string;
  readonly hostnames: EdgeHostnames;
  readonly extraRecords?: readonly ExtraRecord[];
}

export function planDnsRecords(input: DnsPlanInput): PlannedRecord[] {
  const domain = input.domain.toLowerCase();
  if (!isHostname(domain)) throw new Error(`domain: "${input.domain}" is not a fully qualified domain name`);

  const records: PlannedRecord[] = [];
  for (const role of Object.keys(ROLES) as HostnameRole[]) {
    const name = input.hostnames[role];
    if (name === undefined) {
      if (role === "media") continue;
      throw new Error(`hostnames.${role} is required`);
    }
    records.push(record(role, `hostnames.${role}`, name, domain, ROLES[role].portIds, undefined));
  }
  for (const extra of input.extraRecords ?? []) {
    records.push(record("extra", `extraRecords "${extra.name}"`, extra.name, domain, [extra.portId], extra.proxied));
  }

  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.name)) throw new Error(`hostname "${r.name}" is published twice; each hostname gets exactly one record`);
    seen.add(r.name);
  }
  return records;
}

function record(
  role: PlannedRecord["role"],
  where: string,
  rawName: string,
  domain: string,
  portIds: readonly string[],
  requestedProxied: boolean | undefined,
): PlannedRecord {
  const name = rawName.toLowerCase();
  if (!isHostname(name)) throw new Error(`${where}: "${rawName}" is not a fully qualified hostname`);
  if (name !== domain && !name.endsWith(`.${domain}`)) {
    throw new Error(`${where}: "${rawName}" is not in the zone ${domain}`);
  }
  const entries = portIds.map((id) => port(id));
  const proxied = proxiedFor(where, entries);
  if (requestedProxied !== undefined && requestedProxied !== proxied) {
    throw new Error(
      proxied
        ? `${where}: "${rawName}" serves HTTP(S) (catalogue entry ${entries[0]!.id}, dns: proxied): it can only be published ` +
            `proxied through Cloudflare, never DNS-only, or the origin would be exposed`
        : `${where}: "${rawName}" serves ${entries.map((e) => e.id).join(", ")} (dns: dns-only), which Cloudflare's HTTP proxy ` +
            `cannot carry: it can only be published DNS-only`,
    );
  }
  return { role, name, proxied, address: proxied ? "origin" : "media", portIds };
}

function proxiedFor(where: string, entries: readonly PortEntry[]): boolean {
  const modes = new Set(entries.map((e) => e.dns));
  if (modes.size !== 1 || modes.has(undefined)) {
    throw new Error(
      `${where}: catalogue entries ${entries.map((e) => `${e.id} (dns: ${e.dns ?? "none"})`).join(", ")} ` +
        `do not share one DNS mode; only entries marked proxied or dns-only can be published by name`,
    );
  }
  for (const e of entries) {
    // The catalogue's dns marks and exposure classes must agree, or a proxied record could front a non-Cloudflare port.
    if (e.dns === "proxied" && e.class !== "cloudflare") throw new Error(`${where}: catalogue entry ${e.id} is proxied but not in the cloudflare class`);
    if (e.dns === "dns-only" && e.class !== "public") throw new Error(`${where}: catalogue entry ${e.id} is dns-only but not in the public class`);
  }
  return entries[0]!.dns === "proxied";
}
