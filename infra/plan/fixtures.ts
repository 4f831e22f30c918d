/**
 * Answers to the provider functions (invokes) the program calls, for the offline plan. They stand in
 * for what AWS and Cloudflare would say, so a plan needs no credentials; each says where it comes from.
 */

import { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6 } from "@rampart/catalogue";

export { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6 };

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
