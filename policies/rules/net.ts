import ipaddr from "ipaddr.js";
import { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6 } from "@rampart/catalogue";

/** An address range as inclusive numeric bounds, so v4/v6 CIDRs and coturn's "a-b" ranges compare alike. */
export interface AddressRange {
  kind: "ipv4" | "ipv6";
  first: bigint;
  last: bigint;
  text: string;
}

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function bits(kind: "ipv4" | "ipv6"): bigint {
  return kind === "ipv4" ? 32n : 128n;
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const t = text.trim().replace(/^\[|\]$/g, "");
  return ipaddr.isValid(t) ? ipaddr.parse(t) : undefined;
}

/** Parses "a.b.c.d/n", "x::/n", a single address, or a coturn-style "first-last" range. */
export function parseRange(text: string): AddressRange | undefined {
  const t = text.trim();
  if (t.includes("/")) {
    const [a, n] = t.split("/");
    const addr = parseAddress(a ?? "");
    const prefix = Number(n);
    if (!addr || !Number.isInteger(prefix)) return undefined;
    const kind = addr.kind();
    const width = bits(kind);
    if (prefix < 0 || BigInt(prefix) > width) return undefined;
    const host = width - BigInt(prefix);
    const first = (toBigInt(addr) >> host) << host;
    return { kind, first, last: first + (1n << host) - 1n, text: t };
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

/** True when `inner` lies entirely within one of `outers`, or within their union. */
export function coveredBy(inner: AddressRange, outers: readonly AddressRange[]): boolean {
  const sorted = outers.filter((o) => o.kind === inner.kind).sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
  let next = inner.first;
  for (const o of sorted) {
    if (o.first > next) break;
    if (o.last >= next) next = o.last + 1n;
    if (next > inner.last) return true;
  }
  return next > inner.last;
}

/** A source that is the whole internet of its family (0.0.0.0/0, ::/0). */
export function isWorld(cidr: string): boolean {
  const r = parseRange(cidr);
  if (!r) return false;
  return r.first === 0n && r.last === (1n << bits(r.kind)) - 1n;
}

/** An address that listens on every interface ("0.0.0.0", "::", "" and the provider default). */
export function isAllInterfaces(ip: string | undefined): boolean {
  if (ip === undefined) return true;
  const t = ip.trim().replace(/^\[|\]$/g, "");
  return t === "" || t === "0.0.0.0" || t === "::" || t === "*";
}

/** Cloudflare's published origin-facing ranges, the default trust list (components/catalogue). */
export const CLOUDFLARE_RANGES: readonly string[] = [...CLOUDFLARE_IPV4, ...CLOUDFLARE_IPV6];

export function parseRanges(texts: readonly string[]): AddressRange[] {
  return texts.map(parseRange).filter((r): r is AddressRange => r !== undefined);
}
