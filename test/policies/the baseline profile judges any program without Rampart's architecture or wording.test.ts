import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PORTS } from "@rampart/catalogue";
import { profileConfig } from "@rampart/policies/check/cli";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { RULES } from "@rampart/policies/rules";
import { PROFILES, profileLevel } from "@rampart/policies/rules/rule";
import { container, resource } from "./fixtures/build";
import { CASES } from "./fixtures/cases";

const ROOT = join(__dirname, "../..");
const SG_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const web = resource(SG_IN, { securityGroupId: "sg-1", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "https" });
/** A third-party nginx publishing 8080 (Rampart's gateway port in the catalogue) to the world. */
const nginx8080 = container({ image: "nginx:1.27.3", ports: [{ internal: 80, external: 8080, ip: "0.0.0.0" }] }, "web");

describe("profiles", () => {
  it("rampart is the default and keeps Rampart's architecture mandatory", () => {
    const ev = evaluatePolicies([web, nginx8080]);
    expect(ev.profile).toBe("rampart");
    const hits = ev.violations.filter((v) => v.level === "mandatory").map((v) => v.policy);
    expect(hits).toContain("security-group-web-from-cloudflare-only");
    expect(ev.violations.map((v) => v.message).join("\n")).toMatch(/8080\/tcp Gateway/);
  });

  it("baseline leaves a public web server and a third-party port 8080 alone, and says which rules it left out", () => {
    const ev = evaluatePolicies([web, nginx8080], { profile: "baseline" });
    expect(ev.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    expect(ev.notApplicable).toContainEqual({ policy: "security-group-web-from-cloudflare-only", reason: "not part of the baseline profile" });
  });

  it("baseline keeps knowledge that holds everywhere mandatory: admin and data ports, CIS Docker §5, IMDSv2, encryption", () => {
    const ssh = resource(SG_IN, { securityGroupId: "sg-1", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 22, toPort: 22, description: "ssh" });
    const redis = container({ ports: [{ internal: 6379, external: 6379, ip: "0.0.0.0" }], privileged: true }, "cache");
    const hits = evaluatePolicies([ssh, redis], { profile: "baseline" }).violations.filter((v) => v.level === "mandatory").map((v) => v.policy);
    expect(hits).toEqual(expect.arrayContaining(["security-group-no-world-admin-or-internal-ports", "docker-restricted-ports-not-on-all-interfaces", "docker-not-privileged"]));
    for (const name of ["ec2-imdsv2-required-hop-limit-1", "ebs-volumes-encrypted", "docker-not-privileged", "docker-read-only-root", "cloudflare-ssl-strict"]) {
      expect(profileLevel(RULES.find((r) => r.name === name)!, "baseline"), name).toBe("mandatory");
    }
  });

  it("baseline makes every low-severity rule advisory or leaves it out", () => {
    for (const r of RULES.filter((r) => r.severity === "low")) expect(profileLevel(r, "baseline"), r.name).not.toBe("mandatory");
  });

  it("no baseline message or remediation mentions Rampart, its catalogue or its services' port names", () => {
    const catalogueNames = PORTS.map((p) => p.description);
    for (const [policy, c] of Object.entries(CASES)) {
      const ev = evaluatePolicies(c.bad, { profile: "baseline" });
      for (const v of ev.violations) {
        const rule = RULES.find((r) => r.name === v.policy)!;
        // Quoted values are the program's own data (a namespace it named), not the pack's wording.
        const text = `${v.message}\n${rule.remediationSteps}`.replace(/"[^"]*"/g, '""');
        expect(text, `${policy}: ${text}`).not.toMatch(/rampart|catalogue|SSM Session Manager|bot server/i);
        for (const name of catalogueNames) expect(text, `${policy}: ${text}`).not.toContain(name);
      }
    }
  });

  it("is chosen in pack config as the served pack takes it, and a wrong name is refused with the choices", () => {
    expect(evaluatePolicies([web], { config: { profile: { name: "baseline" } } }).profile).toBe("baseline");
    expect(() => evaluatePolicies([web], { config: { profile: { name: "strict" } } })).toThrow(/must be one of rampart, baseline, got "strict"/);
    expect(() => evaluatePolicies([web], { config: { profile: { level: "x" } } })).toThrow(/unknown property "level"/);
  });

  it.each(PROFILES)("ships policies/profiles/%s.json: the profile and every level that differs from the pack's declared one", (profile) => {
    const shipped = JSON.parse(readFileSync(join(ROOT, "policies/profiles", `${profile}.json`), "utf8")) as Record<string, unknown>;
    expect(shipped).toEqual(profileConfig(profile));
    // …and policies/README.md shows that very file.
    const readme = readFileSync(join(ROOT, "policies/README.md"), "utf8");
    const block = new RegExp("`profiles/" + profile + "\\.json`[^\\n]*\\n\\n```json\\n([\\s\\S]*?)```").exec(readme);
    expect(block, `policies/README.md shows profiles/${profile}.json`).not.toBeNull();
    expect(JSON.parse(block![1]!)).toEqual(shipped);
    // Judging with the shipped file gives the same verdict as the profile itself.
    const stack = Object.values(CASES).flatMap((c) => c.bad);
    const levels = (ev: ReturnType<typeof evaluatePolicies>) => ev.violations.map((v) => `${v.policy}:${v.level}`).sort();
    expect(levels(evaluatePolicies(stack, { config: shipped }))).toEqual(levels(evaluatePolicies(stack, { profile })));
  });
});

describe("policy:check --profile", () => {
  it("judges a file under the profile, prints each violation's remediation, and omits not-applicable entries from --json unless --verbose", () => {
    const file = join(ROOT, "test/policies/fixtures/insecure-stack.plan.json");
    const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "policies/check/cli.ts", file, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    const human = run("--profile", "baseline");
    expect(human.stdout).toMatch(/profile baseline/);
    expect(human.stdout).toMatch(/\n {6}remediation: .+\(/);
    const json = JSON.parse(run("--profile", "baseline", "--json").stdout) as Record<string, unknown>;
    expect(json.profile).toBe("baseline");
    expect(json).not.toHaveProperty("notApplicable");
    const verbose = JSON.parse(run("--profile", "baseline", "--json", "--verbose").stdout) as { notApplicable: unknown[] };
    expect(verbose.notApplicable.length).toBeGreaterThan(0);
    const bad = run("--profile", "strict");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--profile takes one of rampart, baseline, not "strict"/);
  });
});
