/**
 * Address arithmetic shared by config validation and the policy pack, so both judge a CIDR alike.
 * Ranges are inclusive numeric bounds: IPv4 and IPv6 CIDRs, single addresses and coturn's "first-last"
 * ranges all compare the same way.
 */
import ipaddr from "ipaddr.js";

export type AddressFamily = "ipv4" | "ipv6";

export interface AddressRange {
  readonly kind: AddressFamily;
  readonly first: bigint;
  readonly last: bigint;
  readonly text: string;
}

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function bits(kind: AddressFamily): bigint {
  return kind === "ipv4" ? 32n : 128n;
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const t = text.trim().replace(/^\[|\]$/g, "");
  return ipaddr.isValid(t) ? ipaddr.parse(t) : undefined;
}

function prefixRange(addr: ipaddr.IPv4 | ipaddr.IPv6, prefix: number, text: string): AddressRange {
  const kind = addr.kind();
  const host = bits(kind) - BigInt(prefix);
  const first = (toBigInt(addr) >> host) << host;
  return { kind, first, last: first + (1n << host) - 1n, text };
}

/** Parses "a.b.c.d/n", "x::/n", a single address, or a coturn-style "first-last" range; lenient about host bits. */
export function parseRange(text: string): AddressRange | undefined {
  const t = text.trim();
  if (t.includes("/")) {
    const [a, n] = t.split("/");
    const addr = parseAddress(a ?? "");
    const prefix = Number(n);
    if (!addr || n === undefined || n.trim() === "" || !Number.isInteger(prefix)) return undefined;
    if (prefix < 0 || BigInt(prefix) > bits(addr.kind())) return undefined;
    return prefixRange(addr, prefix, t);
  }
  const dash = t.indexOf("-");
  if (dash > 0) {
    const a = parseAddress(t.slice(0, dash));
    const b = parseAddress(t.slice(dash + 1));
    if (!a || !b || a.kind() !== b.kind()) return undefined;
    return { kind: a.kind(), first: toBigInt(a), last: toBigInt(b), text: t };
  }
  const addr = parseAddress(t);
  if (!addr) return undefined;
  const v = toBigInt(addr);
  return { kind: addr.kind(), first: v, last: v, text: t };
}

export function parseRanges(texts: readonly string[]): AddressRange[] {
  return texts.map(parseRange).filter((r): r is AddressRange => r !== undefined);
}

/** The union of ranges of one family as sorted, disjoint, non-adjacent ranges. */
function union(ranges: readonly AddressRange[], kind: AddressFamily): { first: bigint; last: bigint }[] {
  const sorted = ranges.filter((r) => r.kind === kind).sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
  const out: { first: bigint; last: bigint }[] = [];
  for (const r of sorted) {
    const tail = out[out.length - 1];
    if (tail && r.first <= tail.last + 1n) {
      if (r.last > tail.last) tail.last = r.last;
    } else {
      out.push({ first: r.first, last: r.last });
    }
  }
  return out;
}

/** True when `inner` lies entirely within one of `outers`, or within their union. */
export function coveredBy(inner: AddressRange, outers: readonly AddressRange[]): boolean {
  return union(outers, inner.kind).some((u) => u.first <= inner.first && inner.last <= u.last);
}

/** True when the two ranges share at least one address. */
export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.kind === b.kind && a.first <= b.last && b.first <= a.last;
}

/** An address that listens on every interface ("0.0.0.0", "::", "" and the provider default). */
export function isAllInterfaces(ip: string | undefined): boolean {
  if (ip === undefined) return true;
  const t = ip.trim().replace(/^\[|\]$/g, "");
  return t === "" || t === "0.0.0.0" || t === "::" || t === "*";
}

/**
 * Address space that is not the public internet (RFC 6890 special-purpose blocks a source may
 * legitimately use for a whole organisation: private, CGNAT, loopback, link-local, unique-local).
 */
const NON_PUBLIC = parseRanges([
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
]);

/**
 * The largest public share one source may cover: a /8 of IPv4 (16.7 million addresses) or a /8 of IPv6.
 * No operator network or VPC is that large; a set of sources that is (0.0.0.0/1 + 128.0.0.0/1, ::/1 +
 * 8000::/1, 0.0.0.0/0 itself) is the internet in all but name.
 */
const MAX_PUBLIC_SHARE_BITS = 8n;

export interface InternetWideVerdict {
  readonly family: AddressFamily;
  /** The union's share of the family's public address space, 0..1. */
  readonly share: number;
  readonly sources: readonly string[];
}

/**
 * Judges a set of sources together (so a range split into halves is caught): returns the first family
 * whose union covers at least a /8's worth of public addresses, or undefined when none does.
 */
export function internetWide(cidrs: readonly string[]): InternetWideVerdict | undefined {
  const ranges = parseRanges(cidrs);
  for (const kind of ["ipv4", "ipv6"] as const) {
    const width = bits(kind);
    let publicCount = 0n;
    for (const u of union(ranges, kind)) {
      let count = u.last - u.first + 1n;
      for (const np of union(NON_PUBLIC, kind)) {
        const lo = np.first > u.first ? np.first : u.first;
        const hi = np.last < u.last ? np.last : u.last;
        if (lo <= hi) count -= hi - lo + 1n;
      }
      publicCount += count;
    }
    const limit = 1n << (width - MAX_PUBLIC_SHARE_BITS);
    if (publicCount >= limit) {
      const sources = ranges.filter((r) => r.kind === kind).map((r) => r.text);
      const share = Number((publicCount * 1_000_000n) / (1n << width)) / 1_000_000;
      return { family: kind, share, sources };
    }
  }
  return undefined;
}

/** A CIDR as config validation wants it: the network address, no host bits. */
export interface Cidr {
  readonly text: string;
  readonly family: AddressFamily;
  readonly prefix: number;
  readonly range: AddressRange;
}

/** Parses a CIDR and insists on the network address, so "10.0.0.1/16" is caught as a typo. */
export function parseCidr(text: string): Cidr {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text.trim());
  } catch {
    throw new Error(`"${text}" is not a CIDR (expected e.g. 203.0.113.0/24 or 2001:db8::/48)`);
  }
  const [addr, prefix] = parsed;
  const family = addr.kind();
  const network =
    family === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(text.trim()) : ipaddr.IPv6.networkAddressFromCIDR(text.trim());
  if (network.toString() !== addr.toString()) {
    throw new Error(`"${text}" has host bits set; the network is ${network.toString()}/${prefix}`);
  }
  const canonical = `${network.toString()}/${prefix}`;
  return { text: canonical, family, prefix, range: prefixRange(network, prefix, canonical) };
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return coveredBy(inner.range, [outer.range]);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return rangesOverlap(a.range, b.range);
}
