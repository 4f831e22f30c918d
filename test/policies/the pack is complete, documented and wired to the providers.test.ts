import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as docker from "@pulumi/docker";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { PACK_NAME, PACK_VERSION } from "@rampart/policies/pack";
import { RULES } from "@rampart/policies/rules";
import { T } from "@rampart/policies/rules/types";
import { SECRET_SIG, SECRET_SIG_KEY } from "@rampart/policies/check/shapes";
import * as pulumi from "@pulumi/pulumi";
import { container, resource } from "./fixtures/build";

describe("rule metadata", () => {
  it("every rule has a unique name, description, severity, enforcement level, remediation steps and anchors", () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of RULES) {
      expect(r.name, r.name).toMatch(/^[a-z0-9-]+$/);
      expect(r.description.length, r.name).toBeGreaterThan(20);
      expect(["low", "medium", "high", "critical"], r.name).toContain(r.severity);
      expect(["mandatory", "advisory"], r.name).toContain(r.enforcementLevel);
      expect(r.remediationSteps.length, r.name).toBeGreaterThan(10);
      expect(Object.values(r.anchors).filter(Boolean).length, r.name).toBeGreaterThan(0);
    }
  });

  it("config schemas give every property a safe default and never declare enforcementLevel", () => {
    for (const r of RULES.filter((r) => r.configSchema)) {
      for (const [k, s] of Object.entries(r.configSchema!.properties)) {
        expect(k).not.toBe("enforcementLevel");
        expect((s as { default?: unknown }).default, `${r.name}.${k}`).toBeDefined();
      }
    }
  });
});

describe("provider type tokens", () => {
  it("match the installed providers' __pulumiType (aws 7, docker 5, cloudflare 6)", () => {
    const classes: Record<string, { __pulumiType?: string }> = {
      sgIngressRule: aws.vpc.SecurityGroupIngressRule as never,
      sgEgressRule: aws.vpc.SecurityGroupEgressRule as never,
      sgRule: aws.ec2.SecurityGroupRule as never,
      securityGroup: aws.ec2.SecurityGroup as never,
      defaultSecurityGroup: aws.ec2.DefaultSecurityGroup as never,
      instance: aws.ec2.Instance as never,
      launchTemplate: aws.ec2.LaunchTemplate as never,
      launchConfiguration: aws.ec2.LaunchConfiguration as never,
      autoscalingGroup: aws.autoscaling.Group as never,
      subnet: aws.ec2.Subnet as never,
      ebsVolume: aws.ebs.Volume as never,
      vpc: aws.ec2.Vpc as never,
      flowLog: aws.ec2.FlowLog as never,
      container: docker.Container as never,
      zoneSetting: cloudflare.ZoneSetting as never,
      dnsRecord: cloudflare.DnsRecord as never,
      ruleset: cloudflare.Ruleset as never,
      pageRule: cloudflare.PageRule as never,
      hostnameTlsSetting: cloudflare.HostnameTlsSetting as never,
      customHostname: cloudflare.CustomHostname as never,
      record: cloudflare.Record as never,
      aopSettings: cloudflare.AuthenticatedOriginPullsSettings as never,
    };
    for (const [k, token] of Object.entries(T)) expect(classes[k]?.__pulumiType, k).toBe(token);
  });
});

describe("what the offline checker writes out instead of loading the SDK", () => {
  it("the secret envelope markers are the SDK's", () => {
    expect(SECRET_SIG_KEY).toBe(pulumi.runtime.specialSigKey);
    expect(SECRET_SIG).toBe(pulumi.runtime.specialSecretSig);
  });
});

describe("the PolicyPack entry point and its package", () => {
  it("PulumiPolicy.yaml declares a nodejs pack and package.json is versioned", () => {
    const yaml = readFileSync(join(__dirname, "../../policies/PulumiPolicy.yaml"), "utf8");
    expect(yaml).toMatch(/^runtime: nodejs$/m);
    const pkg = JSON.parse(readFileSync(join(__dirname, "../../policies/package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies["@pulumi/policy"]).toBe("1.21.0");
  });
  it("index.ts is the only file constructing the PolicyPack, over the shared rule list", () => {
    const index = readFileSync(join(__dirname, "../../policies/index.ts"), "utf8");
    expect(index).toMatch(/new PolicyPack\(PACK_NAME,/);
    expect(PACK_NAME).toBe("rampart");
    expect(PACK_VERSION).toBe(JSON.parse(readFileSync(join(__dirname, "../../policies/package.json"), "utf8")).version);
    expect(index).toMatch(/\.\.\.RULES\.map\(toPolicy\)/);
    const others = readdirSync(join(__dirname, "../../policies"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.includes("node_modules"))
      .filter((f) => readFileSync(join(__dirname, "../../policies", f), "utf8").includes("new PolicyPack("));
    expect(others).toEqual([]);
  });
});

describe("pack configuration", () => {
  it("rejects an unknown policy name, naming it", () => {
    expect(() => evaluatePolicies([], { config: { "docker-no-rootz": "advisory" } })).toThrow(/unknown policy "docker-no-rootz"/);
  });
  it("rejects an unknown property and a wrong type, naming them", () => {
    expect(() => evaluatePolicies([], { config: { "docker-host-network-allowlisted": { allowed: [] } } })).toThrow(/unknown property "allowed"/);
    expect(() => evaluatePolicies([], { config: { "docker-host-network-allowlisted": { allowedContainers: "edge" } } })).toThrow(/allowedContainers must be array, got string/);
    expect(() => evaluatePolicies([], { config: { all: "strict" } })).toThrow(/enforcement level must be one of/);
  });
  it("extends the host-network allowlist per deployment", () => {
    const c = container({ networkMode: "host", ports: [] }, "edge");
    expect(evaluatePolicies([c]).violations.map((v) => v.policy)).toContain("docker-host-network-allowlisted");
    expect(evaluatePolicies([c], { config: { "docker-host-network-allowlisted": { allowedContainers: ["edge"] } } }).violations).toEqual([]);
  });
  it("extends per-container capability adds per deployment", () => {
    const c = container({ capabilities: { drops: ["ALL"], adds: ["CAP_NET_ADMIN"] } }, "livekit");
    expect(evaluatePolicies([c]).violations.map((v) => v.message).join()).toMatch(/NET_ADMIN/);
    expect(evaluatePolicies([c], { config: { "docker-capabilities-add-allowlisted": { allowedAdds: { livekit: ["NET_ADMIN"] } } } }).violations).toEqual([]);
  });
  it("downgrades and disables rules like the policy server does", () => {
    const c = container({ readOnly: false });
    expect(evaluatePolicies([c], { config: { "docker-read-only-root": "advisory" } }).violations).toEqual([expect.objectContaining({ level: "advisory" })]);
    expect(evaluatePolicies([c], { config: { all: "disabled" } }).violations).toEqual([]);
  });
});

describe("values the plan masks or does not know yet", () => {
  it("treats a masked secret or unknown value as present, never as a violation by itself", () => {
    const c = container({ user: "[secret]", image: "[unknown]", envs: ["[secret]"], uploads: [{ file: "/etc/coturn/turnserver.conf", content: "[secret]" }] }, "coturn");
    expect(evaluatePolicies([c]).violations).toEqual([]);
  });
  it("says a service rule was not applicable when its configuration is secret", () => {
    const c = container({ uploads: [{ file: "/etc/coturn/turnserver.conf", content: "[secret]" }] }, "coturn");
    const na = evaluatePolicies([c]).notApplicable.filter((n) => n.policy === "coturn-denied-peer-ranges");
    expect(na[0]?.reason).toMatch(/turnserver\.conf is secret .* keep secrets in separate files/);
  });
  it("turns the engine's unknown sentinel into an advisory 'can't run during preview', as the policy server does", () => {
    const c = resource(T.instance, { metadataOptions: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", rootBlockDevice: { encrypted: true } });
    const v = evaluatePolicies([c]).violations.filter((x) => x.policy === "ec2-imdsv2-required-hop-limit-1");
    expect(v).toEqual([expect.objectContaining({ level: "advisory", message: expect.stringMatching(/can't run policy 'ec2-imdsv2-required-hop-limit-1' during preview: Object value at \.metadataOptions/) })]);
  });
});
