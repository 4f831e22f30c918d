import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../infra/config";
import { issuesOf } from "../support/config-issues";
import { keyNameProblem, PROVIDER_NAMESPACES } from "../../infra/config/key-names";

const aws = {
  target: "aws",
  domain: "example.com",
  cloudflareZoneId: "023e105f4ecef8ad9ca31a8372d0c353",
  deployerPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKm0Q8l6P3a3nE2qGwN4aX6x8c2fUuQzvF1yWq9mS7hT deployer",
  adminCidrs: ["198.51.100.0/24"],
  acmeEmail: "ops@example.com",
};

describe("configuration validation", () => {
  it("accepts the embedded local default with no keys set", () => {
    const c = parseConfig({});
    expect(c.target).toBe("local");
    expect("aws" in c).toBe(false);
    expect(c.admin).toEqual({ cidrs: [], ssh: false });
  });

  it("accepts a complete aws configuration and applies network defaults", () => {
    const c = parseConfig(aws);
    if (c.target !== "aws") throw new Error(`target ${c.target}`);
    expect(c.aws.vpcCidr).toBe("10.40.0.0/16");
    expect(c.aws.publicSubnetCidrs).toHaveLength(2);
    expect(c.cloudflare).toEqual({ zoneId: aws.cloudflareZoneId, plan: "free", managedRulesets: [] });
  });

  it("refuses an unknown target, naming the key and the choices", () => {
    expect(issuesOf({ target: "gcp" })).toEqual(['rampart:target: unknown target "gcp" (expected one of: local, aws, aws-scale)']);
  });

  it("refuses a malformed CIDR, naming the key and index", () => {
    expect(issuesOf({ adminCidrs: ["198.51.100.0/24", "10.0.0.300/8"] })).toEqual([
      'rampart:adminCidrs[1]: "10.0.0.300/8" is not a CIDR (expected e.g. 203.0.113.0/24 or 2001:db8::/48)',
    ]);
  });

  it("refuses a CIDR with host bits set and says which network was meant", () => {
    expect(issuesOf({ adminCidrs: ["198.51.100.7/24"] })).toEqual([
      'rampart:adminCidrs[0]: "198.51.100.7/24" has host bits set; the network is 198.51.100.0/24',
    ]);
  });

  it.each(["0.0.0.0/0", "::/0"])("refuses the admin CIDR %s (admin ports open to the world)", (cidr) => {
    expect(issuesOf({ adminCidrs: [cidr] })).toEqual([
      `rampart:adminCidrs: ${cidr} would open admin ports to the whole internet; list the operators' own networks`,
    ]);
  });

  it.each([
    [["0.0.0.0/1", "128.0.0.0/1"], "0.0.0.0/1 + 128.0.0.0/1"],
    [["::/1", "8000::/1"], "::/1 + 8000::/1"],
    [["198.51.100.0/24", "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"], "198.51.100.0/24 + 0.0.0.0/2 + 64.0.0.0/2 + 128.0.0.0/2 + 192.0.0.0/2"],
  ])("refuses admin CIDRs %j that together are the internet in all but name", (cidrs, named) => {
    expect(issuesOf({ adminCidrs: cidrs })).toEqual([
      `rampart:adminCidrs: ${named} would open admin ports to the whole internet; list the operators' own networks`,
    ]);
  });

  it("accepts an organisation's networks, private ones of any size included", () => {
    expect(parseConfig({ adminCidrs: ["10.0.0.0/8", "172.16.0.0/12", "198.51.100.0/24", "2001:db8::/32"] }).admin.cidrs).toHaveLength(4);
  });

  it("refuses overlapping subnets", () => {
    const issues = issuesOf({ ...aws, publicSubnetCidrs: ["10.40.0.0/24", "10.40.0.0/23"] });
    expect(issues).toContain("rampart:publicSubnetCidrs[0]: 10.40.0.0/24 overlaps rampart:publicSubnetCidrs[1] 10.40.0.0/23");
  });

  it("refuses a public subnet overlapping a private one", () => {
    const issues = issuesOf({ ...aws, privateSubnetCidrs: ["10.40.1.0/24", "10.40.11.0/24"] });
    expect(issues).toContain("rampart:publicSubnetCidrs[1]: 10.40.1.0/24 overlaps rampart:privateSubnetCidrs[0] 10.40.1.0/24");
  });

  it("refuses a subnet outside the VPC", () => {
    expect(issuesOf({ ...aws, privateSubnetCidrs: ["10.40.10.0/24", "10.41.0.0/24"] })).toEqual([
      "rampart:privateSubnetCidrs[1]: 10.41.0.0/24 is not inside rampart:vpcCidr 10.40.0.0/16",
    ]);
  });

  it("refuses fewer than two subnets per tier (two availability zones)", () => {
    expect(issuesOf({ ...aws, publicSubnetCidrs: ["10.40.0.0/24"] })).toEqual([
      "rampart:publicSubnetCidrs: needs at least two subnets (one per availability zone)",
    ]);
  });

  it("refuses the aws target without domain, zone or deployer key, naming each", () => {
    expect(issuesOf({ target: "aws" })).toEqual([
      "rampart:domain: required for the aws target",
      "rampart:cloudflareZoneId: required for the aws target",
      "rampart:deployerPublicKey: required for the aws target",
      "rampart:acmeEmail: required for the aws target (the TURNS certificate's ACME account)",
    ]);
  });

  it("refuses a malformed domain and zone id", () => {
    const issues = issuesOf({ ...aws, domain: "not a domain", cloudflareZoneId: "xyz" });
    expect(issues).toContain("rampart:domain: is not a DNS name (e.g. example.com)");
    expect(issues).toContain("rampart:cloudflareZoneId: is not a Cloudflare zone id (32 hex characters)");
  });

  it("refuses admin SSH with nobody allowed to reach it", () => {
    expect(issuesOf({ adminSsh: true })).toEqual([
      "rampart:adminSsh: SSH is enabled but rampart:adminCidrs is empty; nobody could reach it",
    ]);
  });

  it("refuses origins that are not exact https origins", () => {
    const issues = issuesOf({ allowedOrigins: ["https://app.example.com/", "http://app.example.com", "*"] });
    expect(issues).toEqual([
      'rampart:allowedOrigins[0]: "https://app.example.com/" is not an exact origin (expected https://app.example.com: no path, no trailing slash, lower case)',
      'rampart:allowedOrigins[1]: "http://app.example.com" must use https (http only for localhost)',
      'rampart:allowedOrigins[2]: "*" is not an origin (expected https://host[:port])',
    ]);
  });

  it("refuses a JWT secret shorter than 32 bytes without echoing it", () => {
    const issues = issuesOf({ jwtSecret: "short-secret" });
    expect(issues).toEqual(["rampart:jwtSecret: must be at least 32 bytes for HS256"]);
    expect(issues.join("")).not.toContain("short-secret");
  });

  it("refuses a short gateway fan-out key without echoing it, and an allowlist that is not CIDRs or covers everyone", () => {
    const issues = issuesOf({ gatewayFanoutKey: "short-fanout-key", gatewayAnomalyAllowlist: ["198.51.100.0/24", "office", "0.0.0.0/0", "10.1.2.3/8"] });
    expect(issues[0]).toBe("rampart:gatewayFanoutKey: must be at least 32 bytes (e.g. openssl rand -base64 48), or unset to have one generated");
    expect(issues.join("")).not.toContain("short-fanout-key");
    expect(issues.filter((i) => i.startsWith("rampart:gatewayAnomalyAllowlist"))).toEqual([
      'rampart:gatewayAnomalyAllowlist[1]: "office" is not a CIDR (expected e.g. 203.0.113.0/24 or 2001:db8::/48)',
      "rampart:gatewayAnomalyAllowlist[2]: 0.0.0.0/0 would exempt every address from the gateway's blocks; list only the shared egress addresses you vouch for",
      'rampart:gatewayAnomalyAllowlist[3]: "10.1.2.3/8" has host bits set; the network is 10.0.0.0/8',
    ]);
    expect(parseConfig({ gatewayAnomalyAllowlist: ["198.51.100.0/24", "2001:db8::/48"] }).gateway.anomalyAllowlist).toEqual(["198.51.100.0/24", "2001:db8::/48"]);
  });

  it("refuses an unknown Cloudflare plan and wrongly typed values", () => {
    const issues = issuesOf({ cloudflarePlan: "premium", adminSsh: "yes" });
    expect(issues).toContain("rampart:adminSsh: must be a boolean");
    expect(() => parseConfig({ cloudflarePlan: "premium" })).toThrow('rampart:cloudflarePlan: unknown plan "premium"');
  });

  it("names keys in an unknown namespace or without one, and guesses the key meant", () => {
    expect(keyNameProblem("rampar:adminCidrs")).toBe(
      'rampar:adminCidrs: unknown namespace "rampar" (known: rampart, acme, aws, cloudflare, command, docker, kubernetes, random, tls); did you mean rampart:adminCidrs?',
    );
    expect(keyNameProblem("rampart:acmeEmial")).toBe("rampart:acmeEmial: unknown configuration key; did you mean rampart:acmeEmail?");
    expect(keyNameProblem("acmeEmail")).toBe("acmeEmail: a key needs its namespace; did you mean rampart:acmeEmail?");
    expect(keyNameProblem("clodflare:apiToken")).toMatch(/unknown namespace "clodflare" .*; did you mean cloudflare:apiToken\?$/);
    expect(keyNameProblem("azure-native:location")).toBe('azure-native:location: unknown namespace "azure-native" (known: rampart, acme, aws, cloudflare, command, docker, kubernetes, random, tls)');
    for (const fine of ["rampart:adminCidrs", "aws:region", "cloudflare:apiToken", "kubernetes:context", "pulumi:tags"]) expect(keyNameProblem(fine), fine).toBeUndefined();
  });

  it("knows the namespace of every provider the program depends on", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const providers = Object.keys(pkg.dependencies)
      .filter((d) => /^@(pulumi|pulumiverse)\//.test(d) && d !== "@pulumi/pulumi")
      .map((d) => d.split("/")[1]!)
      .sort();
    expect([...PROVIDER_NAMESPACES].sort()).toEqual(providers);
  });

  it("says an integer and an array, not a integer and a array", () => {
    expect(issuesOf({ rootVolumeGiB: "big" } as Record<string, unknown>)).toContain("rampart:rootVolumeGiB: must be a number");
    expect(issuesOf({ adminCidrs: "198.51.100.0/24" } as Record<string, unknown>)).toContain("rampart:adminCidrs: must be an array");
  });

  it("refuses unknown keys (a typo must not silently fall back to a default)", () => {
    expect(issuesOf({ adminCidr: ["198.51.100.0/24"] } as Record<string, unknown>)).toEqual(["rampart:adminCidr: unknown configuration key; did you mean rampart:adminCidrs?"]);
    expect(issuesOf({ colour: "blue" } as Record<string, unknown>)).toEqual(["rampart:colour: unknown configuration key"]);
  });

  it("accepts per-service images pinned to an exact version or digest", () => {
    const c = parseConfig({ redisImage: "redis:8.2.2-bookworm", livekitImage: `livekit/livekit-server@sha256:${"a".repeat(64)}` });
    expect(c.images).toEqual({ redis: "redis:8.2.2-bookworm", livekit: `livekit/livekit-server@sha256:${"a".repeat(64)}` });
  });

  it("refuses an image below its version floor, naming the key and the floor", () => {
    expect(issuesOf({ coturnImage: "coturn/coturn:4.6.2" })).toEqual([
      'rampart:coturnImage: image "coturn/coturn:4.6.2" is coturn 4.6.2, below the floor 4.13.0: older coturn relays to IPv4-mapped IPv6 peers (::ffff:127.0.0.1) past its denied-peer list',
    ]);
    expect(parseConfig({ coturnImage: "docker.io/coturn/coturn:4.13.0-r1" }).images).toEqual({ coturn: "docker.io/coturn/coturn:4.13.0-r1" });
  });

  it("refuses images that are not pinned, naming the key", () => {
    expect(issuesOf({ redisImage: "redis:latest", coturnImage: "coturn/coturn", edgeImage: "nginx:1" })).toEqual([
      'rampart:coturnImage: image "coturn/coturn" is not pinned: add an exact version tag or a sha256 digest',
      'rampart:redisImage: image "redis:latest" uses the tag "latest": pin an exact version (CKV_DOCKER_7)',
      'rampart:edgeImage: image "nginx:1" uses the floating tag "1": pin an exact version (major.minor.patch, e.g. 1.28.0-alpine) or a sha256 digest',
    ]);
  });

  it("reports every problem at once", () => {
    expect(issuesOf({ target: "aws", adminCidrs: ["0.0.0.0/0"], adminSsh: true, domain: "example.com" }).length).toBe(4);
  });
});
