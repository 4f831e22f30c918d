import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "@rampart/policies/check/cli";
import { RULES } from "@rampart/policies/rules";
import { profileLevel } from "@rampart/policies/rules/rule";
import { CASES } from "./fixtures/cases";
import { INSECURE_STACK_FILE, insecureStack } from "./fixtures/insecure-stack";

const ROOT = join(__dirname, "../..");
const SHAPES = join(__dirname, "fixtures/shapes");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const tmp = mkdtempSync(join(tmpdir(), "policy-check-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the real CLI the way `npm run policy:check -- ...` does. */
function cli(...args: string[]) {
  const r = spawnSync(TSX, ["policies/check/cli.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each case spawns the real CLI (tsx start-up is seconds on a loaded CI machine).
describe("policy:check on the three file shapes", { timeout: 120_000 }, () => {
  for (const shape of ["plan", "preview", "stack-export"]) {
    it(`exits 1 naming the rules on an insecure ${shape} file`, () => {
      const r = cli(join(SHAPES, `insecure.${shape}.json`), "--json");
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout) as { shape: string; violations: { policy: string; level: string; urn: string }[] };
      expect(out.violations.map((v) => v.policy).sort()).toEqual(["docker-not-privileged", "docker-restricted-ports-not-on-all-interfaces"]);
      expect(out.violations.every((v) => v.urn === "urn:pulumi:dev::rampart::docker:index/container:Container::gateway")).toBe(true);
    });
    it(`exits 0 on a hardened ${shape} file`, () => {
      const r = cli(join(SHAPES, `hardened.${shape}.json`));
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Policy verdict: no violations/);
    });
  }

  it("ignores resources a preview deletes", () => {
    const r = cli(join(SHAPES, "hardened.preview.json"), "--json");
    expect((JSON.parse(r.stdout) as { resources: number }).resources).toBe(3);
  });

  it("prints a human-readable verdict naming rule, message and URN", () => {
    const r = cli(join(SHAPES, "insecure.preview.json"));
    expect(r.stdout).toMatch(/\[mandatory\] docker-not-privileged: container "gateway" is privileged\n\s+urn:pulumi:dev::rampart::docker:index\/container:Container::gateway/);
  });

  it("exits 2 with a clear error on a file in none of the shapes, on non-JSON and on a missing file", () => {
    writeFileSync(join(tmp, "other.json"), JSON.stringify({ name: "x", resources: "none" }));
    writeFileSync(join(tmp, "broken.json"), "{ not json");
    const other = cli(join(tmp, "other.json"));
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/none of the supported shapes: a plan .* `pulumi preview --json` .* `pulumi stack export`/);
    expect(cli(join(tmp, "broken.json")).stderr).toMatch(/is not JSON/);
    const missing = cli(join(tmp, "nope.json"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read file .*nope\.json: ENOENT/);
    expect(cli().code).toBe(2);
  });

  it("takes a policy config file, like --policy-pack-config", () => {
    const cfg = join(tmp, "policy-config.json");
    writeFileSync(cfg, JSON.stringify({ "docker-not-privileged": "advisory", "docker-restricted-ports-not-on-all-interfaces": "remediate" }));
    const r = cli(join(SHAPES, "insecure.plan.json"), "--json", "--config", cfg);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { remediated: { inputs: { ports: { ip: string }[] } }[] };
    expect(out.remediated[0]?.inputs.ports[0]?.ip).toBe("127.0.0.1");
  });
});

describe("the deliberately insecure stack fixture", { timeout: 120_000 }, () => {
  it("is the file the generator writes (fixture and generator agree)", () => {
    expect(JSON.parse(readFileSync(INSECURE_STACK_FILE, "utf8"))).toEqual(JSON.parse(JSON.stringify(insecureStack())));
  });
  it("trips exactly the expected rules", () => {
    const r = cli(INSECURE_STACK_FILE, "--json");
    expect(r.code).toBe(1);
    const tripped = [...new Set((JSON.parse(r.stdout) as { violations: { policy: string }[] }).violations.map((v) => v.policy))].sort();
    expect(tripped).toEqual([
      "cloudflare-dns-only-justified",
      "cloudflare-ssl-strict",
      "cloudflare-zone-hardening-declared",
      "coturn-no-loopback-or-server-relay",
      "coturn-rest-auth-only",
      "default-security-group-no-rules",
      "docker-image-pinned",
      "docker-no-docker-socket-mount",
      "docker-no-secret-environment-values",
      "docker-no-sensitive-host-mounts",
      "docker-not-privileged",
      "docker-numeric-non-root-user",
      "docker-ports-explicit-host-ip",
      "docker-restricted-ports-not-on-all-interfaces",
      "ebs-volumes-encrypted",
      "ec2-detailed-monitoring",
      "ec2-imdsv2-required-hop-limit-1",
      "nginx-authenticated-origin-pulls",
      "redis-protected-mode",
      "security-group-no-world-admin-or-internal-ports",
      "security-group-rules-described",
      "security-group-web-from-cloudflare-only",
      "vpc-flow-logs-enabled",
    ]);
  });
  it("never prints a secret value it was handed (only the variable name)", () => {
    const r = cli(INSECURE_STACK_FILE);
    expect(r.stdout).toMatch(/REDIS_PASSWORD/);
    expect(r.stdout).not.toMatch(/hunter2/);
  });
});

describe("a plan holding any single insecure resource", () => {
  for (const [policy, c] of Object.entries(CASES)) {
    const profile = c.profile ?? "rampart";
    const level = profileLevel(RULES.find((r) => r.name === policy)!, profile);
    it(`names ${policy} at its level (${level} under ${profile}) and exits 1 only on a mandatory one`, () => {
      const file = join(tmp, `${policy}.plan.json`);
      writeFileSync(file, JSON.stringify({ stack: "t", resources: c.bad, violations: [] }));
      const out: string[] = [];
      const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
      const code = main([file, "--profile", profile]);
      spy.mockRestore();
      expect(out.join("")).toContain(`[${level}] ${policy}: `);
      if (level === "mandatory") expect(code).toBe(1);
    });
  }
});
