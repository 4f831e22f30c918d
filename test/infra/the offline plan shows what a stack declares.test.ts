import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restrictedPorts } from "@rampart/catalogue";
import { expectGolden } from "../config/golden";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);

interface PlanJson {
  stack: string;
  resources: Array<{ urn: string; type: string; name: string; parent?: string; inputs: Record<string, unknown> }>;
  outputs: Record<string, unknown>;
  violations: Array<{ policy: string; urn?: string; message: string; level: string }>;
}

async function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(root, "node_modules", ".bin", "tsx"), [join(root, "infra/plan/cli.ts"), ...args], {
      cwd: root,
      env: { ...process.env, PULUMI_CONFIG: "", PULUMI_ACCESS_TOKEN: "", AWS_ACCESS_KEY_ID: "", CLOUDFLARE_API_TOKEN: "" },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const covers = (i: Record<string, unknown>, port: number) => (i.fromPort as number) <= port && port <= (i.toPort as number);

describe("npm run plan", () => {
  const plans: Record<string, PlanJson> = {};
  const codes: Record<string, number> = {};
  beforeAll(async () => {
    await Promise.all(
      ["local", "aws-example", "aws-scale-example"].map(async (stack) => {
        const r = await plan(["--stack", stack, "--json"]);
        codes[stack] = r.code;
        plans[stack] = JSON.parse(r.stdout) as PlanJson;
      }),
    );
  }, 120_000);

  it.each(["local", "aws-example", "aws-scale-example"])("gives the docs/policy-checks.md JSON shape for %s, with a clean policy verdict", (stack) => {
    const p = plans[stack]!;
    expect(Object.keys(p)).toEqual(["stack", "resources", "outputs", "violations"]);
    expect(p.stack).toBe(stack);
    expect(p.resources.length).toBeGreaterThan(1);
    for (const r of p.resources) {
      // parent, protect and retainOnDelete only when set (the two options only as true).
      expect(Object.keys(r).filter((k) => !["parent", "protect", "retainOnDelete"].includes(k))).toEqual(["urn", "type", "name", "inputs"]);
      for (const option of ["protect", "retainOnDelete"] as const) if (option in r) expect((r as Record<string, unknown>)[option], `${r.name} ${option}`).toBe(true);
      expect(r.urn).toMatch(new RegExp(`^urn:pulumi:${stack}::rampart::`));
    }
    expect(p.violations).toEqual([]);
    expect(codes[stack]).toBe(0);
  });

  it("names each resource's parent component", () => {
    const vpc = plans["aws-example"]!.resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!;
    expect(vpc.parent).toBe("urn:pulumi:aws-example::rampart::rampart:network:Network::rampart");
  });

  it("aws-example: no ingress from 0.0.0.0/0 or ::/0 on any admin or vpc port", () => {
    const rules = plans["aws-example"]!.resources.filter((r) => r.type.includes("SecurityGroupIngressRule"));
    expect(rules.length).toBeGreaterThan(10);
    for (const p of restrictedPorts()) {
      for (const r of rules.filter((x) => covers(x.inputs, p.from))) {
        expect([r.inputs.cidrIpv4, r.inputs.cidrIpv6], `${r.name} on ${p.id}`).not.toContain("0.0.0.0/0");
        expect([r.inputs.cidrIpv4, r.inputs.cidrIpv6], `${r.name} on ${p.id}`).not.toContain("::/0");
      }
    }
  });

  it("aws-example: 443 reachable only through the Cloudflare prefix lists", () => {
    const https = plans["aws-example"]!.resources.filter((r) => r.type.includes("SecurityGroupIngressRule") && covers(r.inputs, 443));
    expect(https.map((r) => r.inputs.prefixListId).sort()).toEqual(["rampart-cloudflare-ipv4-id", "rampart-cloudflare-ipv6-id"]);
  });

  it("aws-example: every instance requires IMDSv2 and encrypts its root volume", () => {
    const instances = plans["aws-example"]!.resources.filter((r) => r.type === "aws:ec2/instance:Instance");
    expect(instances.length).toBeGreaterThan(0);
    for (const i of instances) {
      expect(i.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
      expect(i.inputs.rootBlockDevice).toMatchObject({ encrypted: true });
    }
  });

  it("aws-example: no port 22 rule (admin SSH is not configured)", () => {
    expect(plans["aws-example"]!.resources.filter((r) => r.type.includes("IngressRule") && covers(r.inputs, 22))).toEqual([]);
  });

  it("aws-example: Cloudflare zone settings, origin trust, proxied HTTP hostnames, WAF phases and Bot Fight Mode", () => {
    const res = plans["aws-example"]!.resources;
    const ofType = (t: string) => res.filter((r) => r.type === t).map((r) => r.inputs);
    const settings = Object.fromEntries(ofType("cloudflare:index/zoneSetting:ZoneSetting").map((i) => [i.settingId, i.value]));
    expect(settings).toMatchObject({ ssl: "strict", min_tls_version: "1.2", tls_1_3: "on", always_use_https: "on", websockets: "on", tls_client_auth: "on" });
    expect(settings.security_header).toMatchObject({ strict_transport_security: { enabled: true } });
    expect(settings.security_level).toBeDefined();
    expect(ofType("cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate")).toHaveLength(1);
    expect(ofType("cloudflare:index/originCaCertificate:OriginCaCertificate")).toHaveLength(1);
    const records = ofType("cloudflare:index/dnsRecord:DnsRecord");
    expect(records.filter((r) => r.proxied === true).map((r) => r.name).sort()).toEqual(["app.example.com", "livekit.example.com"]);
    expect(records.filter((r) => r.proxied !== true).map((r) => r.name)).toEqual(["turn.example.com"]);
    const phases = ofType("cloudflare:index/ruleset:Ruleset").map((r) => r.phase).sort();
    expect(phases).toEqual(["http_ratelimit", "http_request_firewall_custom", "http_request_firewall_managed"]);
    const managed = ofType("cloudflare:index/ruleset:Ruleset").find((r) => r.phase === "http_request_firewall_managed")!;
    expect((managed.rules as Array<{ action: string }>).every((r) => r.action === "execute")).toBe(true);
    expect(ofType("cloudflare:index/botManagement:BotManagement")).toEqual([expect.objectContaining({ fightMode: true })]);
  });

  it("masks every generated secret: no mock secret value appears anywhere in the JSON", () => {
    for (const stack of ["local", "aws-example", "aws-scale-example"]) {
      const text = JSON.stringify(plans[stack]);
      const passwords = plans[stack]!.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword");
      expect(passwords.length, `${stack} generates its secrets`).toBeGreaterThan(0);
      for (const r of passwords) {
        // The plan's mocks derive each password from its resource name (infra/plan/mocks.ts).
        const value = createHash("sha256").update(`password:${r.name}`).digest("hex").repeat(4).slice(0, Number(r.inputs.length ?? 32));
        expect(text.includes(value), `${stack}: ${r.name}`).toBe(false);
      }
    }
  });

  // Three whole plans through tsx: generous, the machine may be shared.
  it("prints what pulumi preview would without --json: tree, outputs, the pack's verdict, the summary", { timeout: 240_000 }, async () => {
    for (const stack of ["local", "aws-example", "aws-scale-example"]) {
      const r = await plan(["--stack", stack]);
      expect(r.code, r.stderr).toBe(0);
      // No colour when stdout is not a terminal, so the text is the same wherever it is read.
      expect(r.stdout).not.toContain("\u001b[");
      expectGolden(`plan-${stack}.txt`, r.stdout);
      expect(r.stdout.split("\n").filter((l) => l.startsWith(" +   ")).length).toBe(plans[stack]!.resources.length);
      expect(r.stdout).toContain(`+ ${plans[stack]!.resources.length} to create`);
    }
  });

  it.each(["local", "aws-example"])("names %s's resources by the URNs the real engine gives them", (stack) => {
    const urns = new Set(plans[stack]!.resources.map((r) => r.urn));
    // URNs the real Pulumi CLI wrote for this stack (npm run test:engine keeps them as fixtures).
    const engine = JSON.parse(readFileSync(join(root, "test/fixtures/engine", `${stack}-allowed-origins.preview.json`), "utf8")) as { steps: { urn: string }[] };
    expect(engine.steps.length).toBeGreaterThan(1);
    for (const step of engine.steps) expect(urns.has(step.urn), step.urn).toBe(true);
    for (const r of plans[stack]!.resources) {
      expect(r.urn).not.toContain("pulumi:pulumi:Stack$");
      if (r.parent) expect(urns.has(r.parent), r.parent).toBe(true);
    }
  });

  it("colours its output at a terminal, and not when NO_COLOR is set", { timeout: 180_000 }, async () => {
    // `script` (util-linux) gives the CLI a pseudo-terminal, as a person's shell would.
    const { NO_COLOR: _inherited, ...base } = process.env;
    void _inherited;
    const atTerminal = async (env: NodeJS.ProcessEnv) =>
      (
        await run("script", ["-qec", `${join(root, "node_modules", ".bin", "tsx")} ${join(root, "infra/plan/cli.ts")} --stack local`, "/dev/null"], {
          cwd: root,
          env,
          maxBuffer: 64 * 1024 * 1024,
        })
      ).stdout;
    expect(await atTerminal(base)).toContain("\u001b[32m + ");
    expect(await atTerminal({ ...base, NO_COLOR: "1" })).not.toContain("\u001b[");
  });

  it("adds the stack outputs to --json, secrets masked", () => {
    expect(plans["local"]!.outputs.localClientCertificate).toBe("[secret]");
    expect(plans["local"]!.outputs.endpoints).toMatchObject({ https: "https://localhost:443" });
    expect(plans["aws-example"]!.outputs.hostPublicIp).toBe("203.0.113.11");
  });

  describe("refusals", { timeout: 120_000 }, () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "rampart-plan-"));
      copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
      writeFileSync(join(dir, "Pulumi.bad.yaml"), "config:\n  rampart:target: aws\n  rampart:adminCidrs:\n    - 0.0.0.0/0\n");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("exits 2 with the validation message on invalid configuration, declaring nothing", async () => {
      const r = await plan(["--stack", "bad", "--json", "--project-dir", dir]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("rampart:adminCidrs: 0.0.0.0/0 would open admin ports to the whole internet");
      expect(r.stderr).toContain("rampart:domain: required for the aws target");
    });

    it("exits 2 naming every key it would otherwise pass over, with the fix, all in one run", async () => {
      writeFileSync(
        join(dir, "Pulumi.typos.yaml"),
        [
          "config:",
          "  rampart:target: aws",
          "  rampart:domain: example.com",
          "  rampart:cloudflareZoneId: 023e105f4ecef8ad9ca31a8372d0c353",
          "  rampart:deployerPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKm0Q8l6P3a3nE2qGwN4aX6x8c2fUuQzvF1yWq9mS7hT deployer",
          "  rampar:adminCidrs:",
          "    - 198.51.100.0/24",
          "  acmeEmail: ops@example.com",
          "  rampart:jwtSecret: this-is-a-plain-text-secret-0123456789",
          "  rampart:coturnImage: coturn/coturn:4.6.2",
          "",
        ].join("\n"),
      );
      const r = await plan(["--stack", "typos", "--json", "--project-dir", dir]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain('rampar:adminCidrs: unknown namespace "rampar" (known: rampart, acme, aws, cloudflare, command, docker, kubernetes, random, tls); did you mean rampart:adminCidrs?');
      expect(r.stderr).toContain("acmeEmail: a key needs its namespace; did you mean rampart:acmeEmail?");
      expect(r.stderr).toContain(
        "rampart:jwtSecret: is declared secret but Pulumi.typos.yaml holds it in plain text; remove that line and run `pulumi config set --secret --stack typos rampart:jwtSecret <value>`",
      );
      expect(r.stderr).toContain('rampart:coturnImage: image "coturn/coturn:4.6.2" is coturn 4.6.2, below the floor 4.13.0');
      expect(r.stderr).toContain("rampart:acmeEmail: required for the aws target");
      expect(r.stderr).not.toContain("this-is-a-plain-text-secret");
    });

    it("deploys a stack's pinned image override", { timeout: 120_000 }, async () => {
      writeFileSync(join(dir, "Pulumi.images.yaml"), "config:\n  rampart:redisImage: redis:7.4.6-bookworm\n");
      const r = await plan(["--stack", "images", "--json", "--project-dir", dir]);
      expect(r.code).toBe(0);
      const containers = (JSON.parse(r.stdout) as PlanJson).resources.filter((x) => x.type === "docker:index/container:Container" && x.name === "rampart-redis");
      expect(containers.map((c) => c.inputs.image)).toEqual(["redis:7.4.6-bookworm"]);
    });

    it("exits 2 naming a stack that does not exist", async () => {
      const r = await plan(["--stack", "nope", "--project-dir", dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no stack "nope"');
    });

    it("exits 2 without --stack", async () => {
      const r = await plan([]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--stack is required");
    });
  });
});
