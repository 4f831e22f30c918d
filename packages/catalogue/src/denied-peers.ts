/**
 * Peer addresses a TURN relay must never reach (docs/services.md#denied-peer-ranges): a TURN server
 * relays for anyone holding a credential, so without this list a client can use it as a proxy into the
 * private network, the cloud metadata service, loopback services of the host, or multicast groups (SSRF
 * through TURN). Rampart's coturn renderer denies every entry; the policy pack requires the essential ones.
 *
 * Data, not code: each entry says why it is denied.
 */
export interface DeniedPeerNetwork {
  readonly cidr: string;
  readonly why: string;
  /**
   * coturn refuses this network by itself and a `denied-peer-ip` line for it would do harm: measured on
   * coturn 4.6.1, any range that starts at `::` (including `::-::`) denies EVERY IPv4 peer, which would
   * turn the relay off. coturn rejects the all-zero peer address on its own (and `::1` via its loopback
   * check), so the entry stays in the table for the record but is not rendered.
   */
  readonly builtIntoCoturn?: true;
  /**
   * Required of every coturn the policy pack reads, Rampart's or not: without it a relay reaches the
   * host, its VPC, the metadata service or a multicast group. The rest (documentation and transition
   * ranges) Rampart denies too, but their absence elsewhere is no SSRF.
   */
  readonly essential?: true;
}

export const DENIED_PEER_NETWORKS: readonly DeniedPeerNetwork[] = [
  // IPv4
  { cidr: "0.0.0.0/8", why: "'this' network (RFC 791); 0.0.0.0 reaches local services on Linux", essential: true },
  { cidr: "10.0.0.0/8", why: "private (RFC 1918): the VPC", essential: true },
  { cidr: "100.64.0.0/10", why: "carrier-grade NAT shared space (RFC 6598)", essential: true },
  { cidr: "127.0.0.0/8", why: "loopback: services of the TURN host itself", essential: true },
  { cidr: "169.254.0.0/16", why: "link-local, includes the cloud metadata service 169.254.169.254", essential: true },
  { cidr: "172.16.0.0/12", why: "private (RFC 1918), includes Docker's default bridge networks", essential: true },
  { cidr: "192.0.0.0/24", why: "IETF protocol assignments (RFC 6890)", essential: true },
  { cidr: "192.0.2.0/24", why: "TEST-NET-1 documentation range (RFC 5737)" },
  { cidr: "192.88.99.0/24", why: "deprecated 6to4 relay anycast (RFC 7526)" },
  { cidr: "192.168.0.0/16", why: "private (RFC 1918)", essential: true },
  { cidr: "198.18.0.0/15", why: "benchmarking (RFC 2544)", essential: true },
  { cidr: "198.51.100.0/24", why: "TEST-NET-2 documentation range (RFC 5737)" },
  { cidr: "203.0.113.0/24", why: "TEST-NET-3 documentation range (RFC 5737)" },
  { cidr: "224.0.0.0/4", why: "multicast", essential: true },
  { cidr: "240.0.0.0/4", why: "reserved for future use (RFC 1112)", essential: true },
  { cidr: "255.255.255.255/32", why: "limited broadcast" },
  // IPv6
  { cidr: "::/128", why: "unspecified address (connects to ::1 on Linux)", builtIntoCoturn: true },
  { cidr: "::1/128", why: "loopback", essential: true },
  { cidr: "::ffff:0:0/96", why: "IPv4-mapped: would reach every IPv4 range above through an IPv6 peer address", essential: true },
  { cidr: "64:ff9b::/96", why: "NAT64 well-known prefix (RFC 6052): embeds IPv4 addresses", essential: true },
  { cidr: "64:ff9b:1::/48", why: "NAT64 local-use prefix (RFC 8215): embeds IPv4 addresses" },
  { cidr: "100::/64", why: "discard-only (RFC 6666)" },
  { cidr: "2001::/32", why: "Teredo (RFC 4380): tunnels to embedded IPv4 addresses" },
  { cidr: "2001:db8::/32", why: "documentation range (RFC 3849)" },
  { cidr: "2002::/16", why: "6to4 (RFC 3056): embeds IPv4 addresses" },
  { cidr: "fc00::/7", why: "unique local addresses (RFC 4193): private IPv6, includes the AWS metadata service fd00:ec2::254", essential: true },
  { cidr: "fe80::/10", why: "link-local", essential: true },
  { cidr: "ff00::/8", why: "multicast", essential: true },
];
