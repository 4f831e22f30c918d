import { describe, expect, it } from "vitest";
import { parseConfig } from "../../infra/config";
import { issuesOf } from "../support/config-issues";

const scale = {
  target: "aws-scale",
  domain: "example.com",
  cloudflareZoneId: "023e105f4ecef8ad9ca31a8372d0c353",
  adminCidrs: ["198.51.100.0/24"],
  acmeEmail: "ops@example.com",
  gatewayImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/rampart/gateway:0.1.0",
  publicSubnetCidrs: ["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"],
  privateSubnetCidrs: ["10.40.10.0/24", "10.40.11.0/24", "10.40.12.0/24"],
};

describe("aws-scale configuration", () => {
  it("is its own member of the typed union, with the scale settings present by type and defaults applied", () => {
    const c = parseConfig(scale);
    if (c.target !== "aws-scale") throw new Error(`target ${c.target}`);
    expect(c.gatewayImage).toBe(scale.gatewayImage);
    expect(c.scale).toEqual({
      clusterVersion: "1.34",
      clusterPublicEndpoint: false,
      media: { nodes: 2, instanceType: "c6in.xlarge", livekitCpus: 3, livekitMemoryMiB: 4096 },
      app: { nodes: 2, instanceType: "m7i.large" },
      nodeVolumeGiB: 50,
      gateway: { minReplicas: 2, maxReplicas: 6 },
      edgeReplicas: 2,
      cache: { nodeType: "cache.m7g.large", replicas: 1 },
      search: { instanceType: "r7g.large.search", instanceCount: 3, masterInstanceType: "m7g.large.search", volumeGiB: 100 },
    });
    expect("deployerPublicKey" in c.aws).toBe(false);
  });

  it("names every missing or wrong key at once, with the fix", () => {
    expect(
      issuesOf({
        ...scale,
        domain: undefined,
        gatewayImage: undefined,
        deployerPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKm0Q8l6P3a3nE2qGwN4aX6x8c2fUuQzvF1yWq9mS7hT d",
        privateSubnetCidrs: ["10.40.10.0/24", "10.40.11.0/24"],
        gatewayReplicas: 5,
        gatewayMaxReplicas: 3,
        clusterPublicEndpoint: true,
        adminCidrs: [],
      }),
    ).toEqual([
      "rampart:domain: required for the aws-scale target",
      "rampart:gatewayImage: required for the aws-scale target (a pinned, prebuilt image in a registry the nodes pull from; nothing is built on a node)",
      "rampart:deployerPublicKey: not used by the aws-scale target (no Docker host is reached over SSH); remove it",
      "rampart:privateSubnetCidrs: the aws-scale target needs at least three private subnets (OpenSearch spreads its nodes over three availability zones)",
      "rampart:gatewayMaxReplicas: 3 is below rampart:gatewayReplicas 5; the autoscaler's ceiling must be at least its floor",
      "rampart:clusterPublicEndpoint: the public API endpoint is restricted to rampart:adminCidrs, which is empty; set admin CIDRs or leave the endpoint private",
    ]);
  });

  it("refuses counts that would not survive the loss of a node or a zone, and malformed sizes", () => {
    expect(issuesOf({ ...scale, mediaNodeCount: 1, edgeReplicas: 1, cacheReplicas: 0, searchInstanceCount: 4, cacheNodeType: "m7g.large", searchInstanceType: "r7g.large" })).toEqual([
      "rampart:mediaNodeCount: must be at least 2 (one media node per availability zone)",
      "rampart:edgeReplicas: must be at least 2 (the load balancer keeps a target while one is replaced)",
      "rampart:cacheNodeType: is not an ElastiCache node type (e.g. cache.m7g.large)",
      "rampart:cacheReplicas: must be at least 1 (automatic failover needs a replica in another zone)",
      "rampart:searchInstanceType: is not an OpenSearch Service instance type (e.g. r7g.large.search)",
      "rampart:searchInstanceCount: must be a multiple of 3 (data nodes spread evenly over three availability zones)",
    ]);
    expect(issuesOf({ ...scale, clusterVersion: "1.20" })).toEqual(["rampart:clusterVersion: is not a supported EKS Kubernetes version (major.minor, 1.28 to 1.39, e.g. 1.34)"]);
  });
});
