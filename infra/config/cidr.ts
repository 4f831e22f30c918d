import * as ipaddr from "ipaddr.js";

export interface Cidr {
  readonly text: string;
  readonly family: "ipv4" | "ipv6";
  readonly prefix: number;
  readonly network: ipaddr.IPv4 | ipaddr.IPv6;
}

/** Parses a CIDR and insists on the network address (no host bits), so "10.0.0.1/16" is caught as a typo. */
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
    family === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(text.trim())
      : ipaddr.IPv6.networkAddressFromCIDR(text.trim());
  if (network.toString() !== addr.toString()) {
    throw new Error(`"${text}" has host bits set; the network is ${network.toString()}/${prefix}`);
  }
  return { text: `${network.toString()}/${prefix}`, family, prefix, network };
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  return inner.network.match([outer.network, outer.prefix] as never);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

export function isWholeInternet(c: Cidr): boolean {
  return c.prefix === 0;
}
