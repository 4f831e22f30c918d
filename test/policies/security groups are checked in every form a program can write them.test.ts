import { describe, expect, it } from "vitest";
import { evaluatePolicies, type PlanResource } from "@rampart/policies/check/evaluate";
import { resource } from "./fixtures/build";

const WORLD = "security-group-no-world-admin-or-internal-ports";
const WEB = "security-group-web-from-cloudflare-only";

function messages(policy: string, r: PlanResource): string[] {
  return evaluatePolicies([r]).violations.filter((v) => v.policy === policy).map((v) => v.message);
}

const ingressRule = (i: Record<string, unknown>) => resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { securityGroupId: "sg", description: "d", ...i });
const sgRule = (i: Record<string, unknown>) => resource("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "ingress", securityGroupId: "sg", description: "d", ...i });
const inline = (i: Record<string, unknown>) => resource("aws:ec2/securityGroup:SecurityGroup", { description: "sg", ingress: [{ description: "d", ...i }] });
const defaultSg = (i: Record<string, unknown>) => resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { vpcId: "v", ingress: [{ description: "d", ...i }] });

describe("admin and internal ports open to the world", () => {
  it("refuses SSH open to the world via aws.vpc.SecurityGroupIngressRule", () => {
    expect(messages(WORLD, ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 22, toPort: 22 })).join()).toMatch(/22\/tcp SSH/);
  });
  it("refuses Redis open to ::/0 via an IPv6 ingress rule", () => {
    expect(messages(WORLD, ingressRule({ cidrIpv6: "::/0", ipProtocol: "tcp", fromPort: 6379, toPort: 6379 })).join()).toMatch(/::\/0.*6379\/tcp Redis/);
  });
  it("refuses Elasticsearch open to the world via aws.ec2.SecurityGroupRule", () => {
    expect(messages(WORLD, sgRule({ cidrBlocks: ["0.0.0.0/0"], protocol: "tcp", fromPort: 9200, toPort: 9200 })).join()).toMatch(/9200\/tcp Elasticsearch REST API/);
  });
  it("refuses RDP open to the world via an inline ingress block", () => {
    expect(messages(WORLD, inline({ cidrBlocks: ["0.0.0.0/0"], protocol: "tcp", fromPort: 3389, toPort: 3389 })).join()).toMatch(/ingress\[0\].*3389\/tcp RDP/);
  });
  it("refuses a world-open rule on the default security group", () => {
    expect(messages(WORLD, defaultSg({ cidrBlocks: ["0.0.0.0/0"], protocol: "tcp", fromPort: 22, toPort: 22 })).join()).toMatch(/22\/tcp SSH/);
  });
  it("refuses a port range that merely contains an admin port (9000-9500 covers gateway metrics and Elasticsearch)", () => {
    const m = messages(WORLD, ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 9000, toPort: 9500 })).join();
    expect(m).toMatch(/9464\/tcp Gateway Prometheus metrics/);
    expect(m).toMatch(/9200\/tcp Elasticsearch/);
  });
  it("refuses protocol -1 (all traffic) from the world, whatever ports it names", () => {
    for (const r of [ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "-1" }), sgRule({ cidrBlocks: ["0.0.0.0/0"], protocol: "-1", fromPort: 0, toPort: 0 }), inline({ ipv6CidrBlocks: ["::/0"], protocol: "all", fromPort: 0, toPort: 0 })]) {
      expect(messages(WORLD, r).join()).toMatch(/all traffic \(protocol -1\).*SSH/);
    }
  });
  it("refuses the bot servers' admin UI range (9101-9113) and database (3307) from the world", () => {
    expect(messages(WORLD, ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 9105, toPort: 9105 })).join()).toMatch(/9101-9113\/tcp/);
    expect(messages(WORLD, ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 3307, toPort: 3307 })).join()).toMatch(/3307\/tcp/);
  });
  it("accepts public catalogue ports (TURN, LiveKit media) from the world", () => {
    expect(messages(WORLD, ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "udp", fromPort: 50000, toPort: 60000 }))).toEqual([]);
    expect(messages(WORLD, sgRule({ cidrBlocks: ["0.0.0.0/0"], protocol: "udp", fromPort: 3478, toPort: 3478 }))).toEqual([]);
  });
  it("does not confuse protocols: UDP 6379 is not Redis", () => {
    expect(messages(WORLD, ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "udp", fromPort: 6379, toPort: 6379 }))).toEqual([]);
  });
  it("ignores egress rules (they open nothing inbound)", () => {
    expect(messages(WORLD, sgRule({ type: "egress", cidrBlocks: ["0.0.0.0/0"], protocol: "-1", fromPort: 0, toPort: 0 }))).toEqual([]);
  });
  it("accepts admin ports restricted to admin CIDRs and internal ports to a security group", () => {
    expect(messages(WORLD, inline({ cidrBlocks: ["198.51.100.0/24"], protocol: "tcp", fromPort: 22, toPort: 22 }))).toEqual([]);
    expect(messages(WORLD, sgRule({ sourceSecurityGroupId: "sg-app", protocol: "tcp", fromPort: 6379, toPort: 6379 }))).toEqual([]);
  });
});

describe("HTTP(S) to an origin", () => {
  it("refuses 443 open to the world in each form", () => {
    for (const r of [
      ingressRule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443 }),
      sgRule({ cidrBlocks: ["203.0.113.0/24"], protocol: "tcp", fromPort: 80, toPort: 443 }),
      inline({ ipv6CidrBlocks: ["::/0"], protocol: "tcp", fromPort: 443, toPort: 443 }),
    ]) {
      expect(messages(WEB, r).join()).toMatch(/outside Cloudflare's ranges/);
    }
  });
  it("accepts Cloudflare's CIDRs (v4 and v6), a prefix list, and a security-group reference", () => {
    expect(messages(WEB, inline({ cidrBlocks: ["173.245.48.0/20", "104.16.0.0/13"], ipv6CidrBlocks: ["2606:4700::/32"], protocol: "tcp", fromPort: 443, toPort: 443 }))).toEqual([]);
    expect(messages(WEB, ingressRule({ prefixListId: "pl-cloudflare", ipProtocol: "tcp", fromPort: 443, toPort: 443 }))).toEqual([]);
    expect(messages(WEB, sgRule({ sourceSecurityGroupId: "sg-alb", protocol: "tcp", fromPort: 443, toPort: 443 }))).toEqual([]);
  });
  it("refuses a range wider than Cloudflare's (a supernet is not Cloudflare)", () => {
    expect(messages(WEB, ingressRule({ cidrIpv4: "104.0.0.0/8", ipProtocol: "tcp", fromPort: 443, toPort: 443 })).join()).toMatch(/104\.0\.0\.0\/8/);
  });
  it("takes Cloudflare's ranges from the policy config", () => {
    const r = ingressRule({ cidrIpv4: "203.0.113.0/24", ipProtocol: "tcp", fromPort: 443, toPort: 443 });
    const config = { [WEB]: { cloudflareRanges: ["203.0.113.0/24"] } };
    expect(evaluatePolicies([r], { config }).violations.filter((v) => v.policy === WEB)).toEqual([]);
  });
});

describe("descriptions and the default security group", () => {
  it("refuses an undescribed rule in each form, egress included", () => {
    const undescribed = [
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { securityGroupId: "sg", cidrIpv4: "10.0.0.0/8", ipProtocol: "tcp", fromPort: 1, toPort: 1 }),
      resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", { securityGroupId: "sg", cidrIpv4: "0.0.0.0/0", ipProtocol: "-1" }),
      resource("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", securityGroupId: "sg", cidrBlocks: ["0.0.0.0/0"], protocol: "-1", fromPort: 0, toPort: 0 }),
      resource("aws:ec2/securityGroup:SecurityGroup", { egress: [{ cidrBlocks: ["0.0.0.0/0"], protocol: "-1", fromPort: 0, toPort: 0 }] }),
    ];
    for (const r of undescribed) expect(messages("security-group-rules-described", r).join()).toMatch(/has no description/);
  });
  it("refuses egress on the default security group too", () => {
    const r = resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { vpcId: "v", egress: [{ cidrBlocks: ["0.0.0.0/0"], protocol: "-1", fromPort: 0, toPort: 0, description: "d" }] });
    expect(messages("default-security-group-no-rules", r).join()).toMatch(/0 ingress and 1 egress/);
  });
});
