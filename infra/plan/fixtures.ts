/**
 * Answers to the provider functions (invokes) the program calls, for the offline plan. They stand in
 * for what AWS and Cloudflare would say, so a plan needs no credentials; each says where it comes from.
 */

/** Cloudflare's published ranges (https://www.cloudflare.com/ips-v4 and /ips-v6), as listed in 2025-2026. */
export const CLOUDFLARE_IPV4 = [
  "173.245.48.0/20",
  "103.21.244.0/22",
  "103.22.200.0/22",
  "103.31.4.0/22",
  "141.101.64.0/18",
  "108.162.192.0/18",
  "190.93.240.0/20",
  "188.114.96.0/20",
  "197.234.240.0/22",
  "198.41.128.0/17",
  "162.158.0.0/15",
  "104.16.0.0/13",
  "104.24.0.0/14",
  "172.64.0.0/13",
  "131.0.72.0/22",
];
export const CLOUDFLARE_IPV6 = [
  "2400:cb00::/32",
  "2606:4700::/32",
  "2803:f800::/32",
  "2405:b500::/32",
  "2405:8100::/32",
  "2a06:98c0::/29",
  "2c0f:f248::/32",
];

type Invoke = (args: Record<string, unknown>) => Record<string, unknown>;

export const INVOKE_FIXTURES: Record<string, Invoke> = {
  "cloudflare:index/getIpRanges:getIpRanges": () => ({
    ipv4Cidrs: CLOUDFLARE_IPV4,
    ipv6Cidrs: CLOUDFLARE_IPV6,
    chinaIpv4Cidrs: [],
    chinaIpv6Cidrs: [],
    etag: "offline-plan",
  }),
  // Three zones, as in every commercial AWS region used by the example stack.
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
    state: "available",
  }),
  // A Debian 12 AMI id shape; the real lookup filters Debian's own account (components/host).
  "aws:ec2/getAmi:getAmi": (args) => ({
    id: "ami-0d1e3f5c0debian12",
    name: "debian-12-amd64-20260101-0000",
    owners: args.owners ?? [],
    architecture: "x86_64",
  }),
  "aws:index/getRegion:getRegion": () => ({ region: "eu-west-1", name: "eu-west-1", id: "eu-west-1" }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: "123456789012",
    arn: "arn:aws:iam::123456789012:user/offline-plan",
    userId: "OFFLINEPLAN",
  }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
};
