/** Renders the shared denied-peer table (@rampart/catalogue) as coturn's `denied-peer-ip` ranges. */
import ipaddr from "ipaddr.js";
import { DENIED_PEER_NETWORKS } from "@rampart/catalogue";

export interface AddressRange {
  readonly cidr: string;
  readonly first: string;
  readonly last: string;
}

/** First and last address of a CIDR, as coturn's `denied-peer-ip=<first>-<last>` wants them. */
export function cidrToRange(cidr: string): AddressRange {
  if (!ipaddr.isValidCIDR(cidr)) throw new Error(`"${cidr}" is not a valid CIDR`);
  const [addr] = ipaddr.parseCIDR(cidr);
  if (addr.kind() === "ipv4") {
    return {
      cidr,
      first: ipaddr.IPv4.networkAddressFromCIDR(cidr).toString(),
      last: ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString(),
    };
  }
  return {
    cidr,
    first: ipaddr.IPv6.networkAddressFromCIDR(cidr).toString(),
    last: ipaddr.IPv6.broadcastAddressFromCIDR(cidr).toString(),
  };
}

/** The ranges to render as `denied-peer-ip` lines: the table (minus coturn built-ins) plus `extraCidrs`. */
export function deniedPeerRanges(extraCidrs: readonly string[] = []): AddressRange[] {
  const rendered = DENIED_PEER_NETWORKS.filter((n) => !n.builtIntoCoturn).map((n) => n.cidr);
  const ranges = [...rendered, ...extraCidrs].map(cidrToRange);
  const startsAtZero = ranges.find((r) => r.first === "::" || (r.first === "0.0.0.0" && r.last === "0.0.0.0"));
  if (startsAtZero) {
    throw new Error(`denied peer network ${startsAtZero.cidr} starts at the all-zero address: coturn 4.6.1 would deny every IPv4 peer`);
  }
  return ranges;
}
