import { beforeAll, describe, expect, it } from "vitest";
import { PORTS, portsFor, restrictedPorts } from "@rampart/catalogue";
import { Network, type NetworkArgs } from "../../components/network";
import { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6 } from "../../infra/plan/fixtures";
import { declare, ofType, type PlanResource } from "../support/pulumi";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const args = (over: Partial<NetworkArgs> = {}): NetworkArgs => ({
  cidrBlock: "10.40.0.0/16",
  publicSubnetCidrs: ["10.40.0.0/24", "10.40.1.0/24"],
  privateSubnetCidrs: ["10.40.10.0/24", "10.40.11.0/24"],
  adminCidrs: ["198.51.100.0/24", "2001:db8:100::/48"],
  cloudflareIpv4: [...CLOUDFLARE_IPV4],
  cloudflareIpv6: [...CLOUDFLARE_IPV6],
  ...over,
});

const covers = (r: PlanResource, port: number) =>
  (r.inputs.fromPort as number) <= port && port <= (r.inputs.toPort as number);
const open = (r: PlanResource) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0";

describe("Network", () => {
  let res: PlanResource[];
  let rules: PlanResource[];
  beforeAll(async () => {
    res = await declare(() => new Network("t", args()));
    rules = ofType(res, INGRESS);
  });

  it("spreads public and private subnets over two availability zones, none with automatic public IPs", () => {
    const subnets = ofType(res, "aws:ec2/subnet:Subnet");
    expect(subnets).toHaveLength(4);
    const zones = (tier: string) => subnets.filter((s) => (s.inputs.tags as Record<string, string>)["rampart:tier"] === tier).map((s) => s.inputs.availabilityZone);
    expect(new Set(zones("public")).size).toBe(2);
    expect(new Set(zones("private")).size).toBe(2);
    expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
  });

  it("gives private subnets no route to the internet", () => {
    const tables = ofType(res, "aws:ec2/routeTable:RouteTable");
    const priv = tables.find((t) => t.name === "t-private-rt")!;
    expect(priv.inputs.routes ?? []).toEqual([]);
  });

  it("logs all VPC traffic to CloudWatch with a retention", () => {
    const [flow] = ofType(res, "aws:ec2/flowLog:FlowLog");
    expect(flow?.inputs).toMatchObject({ trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
    expect(ofType(res, "aws:cloudwatch/logGroup:LogGroup")[0]?.inputs.retentionInDays).toBe(90);
  });

  it("leaves the default security group with no rules", () => {
    const [def] = ofType(res, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    expect(def?.inputs.ingress ?? []).toEqual([]);
    expect(def?.inputs.egress ?? []).toEqual([]);
  });

  it("declares one security group per exposure class, rules only as separate ingress/egress resources", () => {
    const groups = ofType(res, "aws:ec2/securityGroup:SecurityGroup");
    expect(groups.map((g) => (g.inputs.tags as Record<string, string>)["rampart:class"]).filter(Boolean).sort()).toEqual(["admin", "cloudflare", "public", "vpc"]);
    for (const g of groups) {
      expect(g.inputs.ingress ?? [], g.name).toEqual([]);
      expect(g.inputs.egress ?? [], g.name).toEqual([]);
    }
  });

  it("describes every rule", () => {
    for (const r of [...rules, ...ofType(res, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]) {
      expect(String(r.inputs.description ?? "").length, r.name).toBeGreaterThan(10);
    }
  });

  it("opens every deployed catalogue port of the aws target, and nothing else", () => {
    const deployed = portsFor("aws").filter((p) => p.service !== "external");
    for (const p of deployed) {
      expect(rules.some((r) => r.inputs.fromPort === p.from && r.inputs.toPort === p.to && r.inputs.ipProtocol === p.protocol), p.id).toBe(true);
    }
    for (const r of rules) {
      expect(deployed.some((p) => r.inputs.fromPort === p.from && r.inputs.toPort === p.to), r.name).toBe(true);
    }
  });

  it("never opens an admin or vpc port to 0.0.0.0/0 or ::/0", () => {
    for (const p of restrictedPorts()) {
      for (const r of rules.filter((r) => covers(r, p.from))) expect(open(r), `${r.name} covers ${p.id}`).toBe(false);
    }
  });

  it("admits 443 only from the Cloudflare prefix lists (IPv4 and IPv6)", () => {
    const https = rules.filter((r) => covers(r, 443));
    expect(https.map((r) => r.inputs.prefixListId).sort()).toEqual(["t-cloudflare-ipv4-id", "t-cloudflare-ipv6-id"]);
    expect(https.every((r) => r.inputs.cidrIpv4 === undefined && r.inputs.cidrIpv6 === undefined)).toBe(true);
  });

  it("feeds the prefix lists from Cloudflare's published ranges", () => {
    const lists = Object.fromEntries(ofType(res, "aws:ec2/managedPrefixList:ManagedPrefixList").map((l) => [l.inputs.addressFamily, l.inputs]));
    expect((lists.IPv4!.entries as Array<{ cidr: string }>).map((e) => e.cidr)).toEqual(CLOUDFLARE_IPV4);
    expect((lists.IPv6!.entries as Array<{ cidr: string }>).map((e) => e.cidr)).toEqual(CLOUDFLARE_IPV6);
    expect(lists.IPv4!.maxEntries as number).toBeGreaterThanOrEqual(CLOUDFLARE_IPV4.length);
  });

  it("admits admin ports only from the admin CIDRs, vpc ports only from the VPC", () => {
    for (const r of rules) {
      const p = PORTS.find((x) => x.from === r.inputs.fromPort && x.to === r.inputs.toPort && x.protocol === r.inputs.ipProtocol)!;
      if (p.class === "admin") expect([r.inputs.cidrIpv4, r.inputs.cidrIpv6]).toContain(r.inputs.cidrIpv4 ? "198.51.100.0/24" : "2001:db8:100::/48");
      if (p.class === "vpc") expect(r.inputs.cidrIpv4, r.name).toBe("10.40.0.0/16");
    }
  });

  it("opens no SSH port unless admin SSH is configured", () => {
    expect(rules.some((r) => covers(r, 22))).toBe(false);
  });

  it("opens SSH to the admin CIDRs only when admin SSH is configured", async () => {
    const withSsh = ofType(await declare(() => new Network("s", args({ adminSsh: true }))), INGRESS).filter((r) => covers(r, 22));
    expect(withSsh.map((r) => r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6).sort()).toEqual(["198.51.100.0/24", "2001:db8:100::/48"]);
  });

  it("refuses a network with a single availability zone's subnets before declaring anything", () => {
    expect(() => new Network("x", args({ publicSubnetCidrs: ["10.40.0.0/24"] }))).toThrow(/at least two public and two private subnets/);
  });
});
