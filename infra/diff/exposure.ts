import { coveredBy, internetWide, isAllInterfaces, parseRange, parseRanges, PORTS, rangeLabel, type ExposureClass, type Platform, type Protocol } from "@rampart/catalogue";
import type { StateResource } from "@rampart/policies/check/evaluate";
import { isObj } from "./values";

/**
 * Who can reach each port, from the inputs alone: security-group ingress (every form a program can
 * write it, prefix lists expanded to their entries) and Docker port bindings with their host address.
 * One row per catalogued port, plus one per range a rule or binding opens that the catalogue lacks.
 */

export interface Reach {
  /** CIDRs (prefix lists expanded), in order of appearance, deduplicated. */
  readonly cidrs: readonly string[];
  /** Prefix lists the CIDRs partly came from, shown by name: `prefix list <name> (<n> CIDRs)`. */
  readonly prefixLists: readonly string[];
  /** CIDRs written on the rules themselves (not from a prefix list). */
  readonly direct: readonly string[];
  /** Sources that are not addresses: a prefix list that cannot be resolved, a security group. */
  readonly others: readonly string[];
  /** Docker bindings on the host: `<container> on <ip>:<port>`. */
  readonly bindings: readonly string[];
  /** The CIDRs together are the internet (`internetWide` of the catalogue). */
  readonly internet: boolean;
}

export interface ExposureRow {
  readonly port: string;
  readonly label: string;
  readonly class: ExposureClass | "uncatalogued";
  readonly before: Reach;
  readonly after: Reach;
  readonly changed: boolean;
  /** The after side reaches it from somewhere the before side did not. */
  readonly widened: boolean;
}

type Proto = Protocol | "all";

interface Opening {
  readonly from: number;
  readonly to: number;
  readonly protocol: Proto;
  readonly cidrs: readonly string[];
  readonly direct: readonly string[];
  readonly prefixLists: readonly string[];
  readonly others: readonly string[];
  readonly bindings: readonly string[];
}

function strs(v: unknown): string[] {
  if (typeof v === "string" && v !== "") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x !== "") : [];
}

function protocolOf(v: unknown): Proto | undefined {
  const p = String(v ?? "").toLowerCase();
  if (p === "tcp" || p === "6") return "tcp";
  if (p === "udp" || p === "17") return "udp";
  if (p === "-1" || p === "all") return "all";
  return undefined; // icmp and others: no port
}

function portRange(from: unknown, to: unknown, protocol: Proto): { from: number; to: number } {
  if (protocol === "all" || typeof from !== "number") return { from: 0, to: 65535 };
  return { from, to: typeof to === "number" ? to : from };
}

/** Prefix list id → its CIDRs, matched by the id in outputs or the mock convention `<name>-id`. */
function prefixLists(resources: readonly StateResource[]): Map<string, { name: string; cidrs: string[] }> {
  const out = new Map<string, { name: string; cidrs: string[] }>();
  for (const r of resources) {
    if (r.type !== "aws:ec2/managedPrefixList:ManagedPrefixList") continue;
    const entries = Array.isArray(r.inputs.entries) ? r.inputs.entries.filter(isObj) : [];
    const value = { name: r.name, cidrs: entries.flatMap((e) => strs(e.cidr)) };
    out.set(`${r.name}-id`, value);
    if (typeof r.outputs?.id === "string") out.set(r.outputs.id, value);
  }
  return out;
}

function sources(r: { cidrs: string[]; prefixIds: string[]; groups: string[] }, lists: ReturnType<typeof prefixLists>) {
  const cidrs = [...r.cidrs];
  const others: string[] = [];
  const prefixLists: string[] = [];
  for (const id of r.prefixIds) {
    const pl = lists.get(id);
    if (pl) {
      cidrs.push(...pl.cidrs);
      prefixLists.push(`prefix list ${pl.name} (${pl.cidrs.length} CIDRs)`);
    } else others.push(`prefix list ${id}`);
  }
  for (const g of r.groups) others.push(`security group ${g}`);
  return { cidrs, direct: r.cidrs, prefixLists, others };
}

function openings(resources: readonly StateResource[]): Opening[] {
  const lists = prefixLists(resources);
  const out: Opening[] = [];
  const rule = (x: Record<string, unknown>, protocolKey: string, src: { cidrs: string[]; prefixIds: string[]; groups: string[] }) => {
    const protocol = protocolOf(x[protocolKey]);
    if (!protocol) return;
    out.push({ ...portRange(x.fromPort, x.toPort, protocol), protocol, ...sources(src, lists), bindings: [] });
  };
  for (const r of resources) {
    const i = r.inputs;
    switch (r.type) {
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        rule(i, "ipProtocol", { cidrs: [...strs(i.cidrIpv4), ...strs(i.cidrIpv6)], prefixIds: strs(i.prefixListId), groups: strs(i.referencedSecurityGroupId) });
        break;
      case "aws:ec2/securityGroupRule:SecurityGroupRule":
        if (i.type === "ingress") rule(i, "protocol", { cidrs: [...strs(i.cidrBlocks), ...strs(i.ipv6CidrBlocks)], prefixIds: strs(i.prefixListIds), groups: strs(i.sourceSecurityGroupId) });
        break;
      case "aws:ec2/securityGroup:SecurityGroup":
      case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
        for (const x of Array.isArray(i.ingress) ? i.ingress.filter(isObj) : []) {
          rule(x, "protocol", { cidrs: [...strs(x.cidrBlocks), ...strs(x.ipv6CidrBlocks)], prefixIds: strs(x.prefixListIds), groups: strs(x.securityGroups) });
        }
        break;
      case "docker:index/container:Container":
        for (const p of Array.isArray(i.ports) ? i.ports.filter(isObj) : []) {
          const protocol = protocolOf(p.protocol ?? "tcp");
          const external = typeof p.external === "number" ? p.external : typeof p.internal === "number" ? p.internal : undefined;
          if (!protocol || external === undefined) continue;
          const ip = typeof p.ip === "string" ? p.ip : undefined;
          const where = isAllInterfaces(ip) ? `${ip ?? "0.0.0.0"}:${external} (all host interfaces)` : `${ip}:${external}`;
          out.push({ from: external, to: external, protocol, cidrs: [], direct: [], prefixLists: [], others: [], bindings: [`${String(i.name ?? r.name)} on ${where}`] });
        }
        break;
    }
  }
  return out;
}

interface RowKey {
  readonly port: string;
  readonly label: string;
  readonly class: ExposureRow["class"];
  readonly from: number;
  readonly to: number;
  readonly protocol: Proto;
}

function overlaps(o: Opening, k: Pick<RowKey, "from" | "to" | "protocol">): boolean {
  return (o.protocol === "all" || k.protocol === "all" || o.protocol === k.protocol) && o.from <= k.to && k.from <= o.to;
}

const rowsOf = (platform: Platform): RowKey[] =>
  PORTS.filter((p) => (p.platforms ?? ["docker", "kubernetes"]).includes(platform)).map((p) => ({ port: p.id, label: `${p.id} ${rangeLabel(p)}`, class: p.class, from: p.from, to: p.to, protocol: p.protocol }));
const CATALOGUED: readonly RowKey[] = PORTS.map((p) => ({ port: p.id, label: `${p.id} ${rangeLabel(p)}`, class: p.class, from: p.from, to: p.to, protocol: p.protocol }));

/**
 * A stack with Kubernetes or EKS resources runs on the kubernetes platform (aws-scale), any other on docker:
 * the catalogue's rows are that platform's, so OpenSearch's 443 is not confused with the edge's on one host.
 */
function platformOf(resources: readonly StateResource[]): Platform {
  return resources.some((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("aws:eks/")) ? "kubernetes" : "docker";
}

/** Openings the catalogue does not cover entirely get their own row. */
function uncatalogued(os: readonly Opening[]): RowKey[] {
  const rows = new Map<string, RowKey>();
  for (const o of os) {
    const protos: Protocol[] = o.protocol === "all" ? ["tcp", "udp"] : [o.protocol];
    for (const protocol of protos) {
      let n = o.from;
      const known = CATALOGUED.filter((k) => k.protocol === protocol && k.from <= o.to && o.from <= k.to).sort((a, b) => a.from - b.from);
      for (const k of known) if (k.from <= n && k.to >= n) n = k.to + 1;
      if (n > o.to) continue;
      const label = o.protocol === "all" ? "all ports, all protocols" : rangeLabel({ from: o.from, to: o.to, protocol });
      const port = o.protocol === "all" ? "all" : label;
      rows.set(port, { port, label, class: "uncatalogued", from: o.from, to: o.to, protocol: o.protocol });
    }
  }
  return [...rows.values()];
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function reachOf(os: readonly Opening[], k: RowKey): Reach {
  const hit = os.filter((o) => overlaps(o, k));
  const cidrs = uniq(hit.flatMap((o) => o.cidrs));
  return { cidrs, direct: uniq(hit.flatMap((o) => o.direct)), prefixLists: uniq(hit.flatMap((o) => o.prefixLists)), others: uniq(hit.flatMap((o) => o.others)), bindings: uniq(hit.flatMap((o) => o.bindings)), internet: internetWide(cidrs) !== undefined };
}

function widened(b: Reach, a: Reach): boolean {
  const before = parseRanges(b.cidrs);
  const newCidr = a.cidrs.some((c) => {
    const r = parseRange(c);
    return r ? !coveredBy(r, before) : !b.cidrs.includes(c);
  });
  return newCidr || a.others.some((x) => !b.others.includes(x)) || a.bindings.some((x) => !b.bindings.includes(x)) || (a.internet && !b.internet);
}

function sameReach(a: Reach, b: Reach): boolean {
  const eq = (x: readonly string[], y: readonly string[]) => x.length === y.length && [...x].sort().every((v, i) => v === [...y].sort()[i]);
  return eq(a.cidrs, b.cidrs) && eq(a.prefixLists, b.prefixLists) && eq(a.others, b.others) && eq(a.bindings, b.bindings);
}

export function compareExposure(base: readonly StateResource[], head: readonly StateResource[]): ExposureRow[] {
  const ob = openings(base);
  const oh = openings(head);
  const extra = uncatalogued([...ob, ...oh]).sort((x, y) => x.from - y.from || x.port.localeCompare(y.port));
  const platform = platformOf([...base, ...head]);
  return [...rowsOf(platform), ...extra].map((k) => {
    const before = reachOf(ob, k);
    const after = reachOf(oh, k);
    return { port: k.port, label: k.label, class: k.class, before, after, changed: !sameReach(before, after), widened: widened(before, after) };
  });
}

/** "the internet (0.0.0.0/0, ::/0)", "198.51.100.0/24; host binding …", or "nobody". */
export function reachText(r: Reach): string {
  const parts: string[] = [];
  const named = [...r.direct, ...r.prefixLists];
  if (named.length > 0) parts.push(r.internet ? `the internet (${named.join(", ")})` : named.join(", "));
  parts.push(...r.others);
  if (r.bindings.length > 0) parts.push(`bound: ${r.bindings.join(", ")}`);
  return parts.length > 0 ? parts.join("; ") : "nobody";
}

/** A sentence for a row whose reach widened, so "Redis became reachable from the internet" cannot hide. */
export function exposureSentence(row: ExposureRow): string {
  const what = row.class === "uncatalogued" ? `${row.label} (not in the port catalogue)` : `${row.label} (class ${row.class})`;
  if (row.after.internet && !row.before.internet) {
    const bad = row.class !== "public" && row.class !== "cloudflare" ? " — a restricted port" : "";
    return `${what} became reachable from the internet: ${row.after.cidrs.join(", ")}${bad}.`;
  }
  const before = parseRanges(row.before.cidrs);
  const added = [
    ...row.after.cidrs.filter((c) => {
      const r = parseRange(c);
      return r ? !coveredBy(r, before) : !row.before.cidrs.includes(c);
    }),
    ...row.after.others.filter((x) => !row.before.others.includes(x)),
    ...row.after.bindings.filter((x) => !row.before.bindings.includes(x)).map((x) => `binding ${x}`),
  ];
  return `${what} is reachable from more sources: ${added.join(", ")} (before: ${reachText(row.before)}).`;
}
