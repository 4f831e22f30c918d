import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { evaluatePolicies, type PlanResource } from "@rampart/policies/check/evaluate";
import { analyzer } from "../support/policy-analyzer";
import { RULES } from "@rampart/policies/rules";
import { connectToPack, type ServedPack } from "../support/policy-analyzer";
import { container, coturn, resource } from "./fixtures/build";

/**
 * Boots policies/index.ts — the PolicyPack as `pulumi preview --policy-pack policies` runs it — and
 * asks its gRPC Analyze endpoint the question the Pulumi engine asks, then compares the answer with
 * the offline evaluator's. This is what lets plan/policy:check users trust their verdict.
 */
const ROOT = join(__dirname, "../..");
let pack: ChildProcess;
let served: ServedPack;

beforeAll(async () => {
  pack = spawn(join(ROOT, "node_modules/.bin/tsx"), ["policies/index.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  served = await connectToPack(pack, "the policy pack", 50_000);
}, 60_000);

afterAll(() => {
  served?.close();
  if (pack?.pid) process.kill(pack.pid);
});

async function analyze(r: PlanResource): Promise<{ policy: string; message: string }[]> {
  return (await served.analyze(r)).map((d) => ({ policy: d.policy, message: withoutDescription(d.policy, d.message) }));
}

/** The policy server prefixes each message with the policy's description and a newline. */
function withoutDescription(policy: string, message: string): string {
  const description = RULES.find((r) => r.name === policy)?.description;
  if (!description || !message.startsWith(`${description}\n`)) throw new Error(`unexpected diagnostic from ${policy}: ${message}`);
  return message.slice(description.length + 1);
}

function offline(r: PlanResource) {
  return evaluatePolicies([r]).violations.filter((v) => v.level !== "remediate").map((v) => ({ policy: v.policy, message: v.message }));
}

const byPolicy = (a: { policy: string; message: string }, b: { policy: string; message: string }) => `${a.policy}${a.message}`.localeCompare(`${b.policy}${b.message}`);

describe("the PolicyPack served by @pulumi/policy", { timeout: 60_000 }, () => {
  const cases: [string, PlanResource][] = [
    ["an insecure container", container({ image: "redis", user: "0", privileged: true, readOnly: false, ports: [{ internal: 6379, external: 6379 }], envs: ["API_TOKEN=abc"] }, "cache")],
    ["a hardened container", container()],
    ["a coturn container with static users", coturn("user=alice:pw\nallow-loopback-peers\n")],
    ["a world-open SSH rule", resource("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "ingress", protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg" })],
    ["a resource no rule covers", resource("aws:s3/bucket:Bucket", { bucket: "b" })],
  ];
  for (const [what, r] of cases) {
    it(`reports the same violations as the offline evaluator for ${what}`, async () => {
      const served = (await analyze(r)).sort(byPolicy);
      expect(served).toEqual(offline(r).sort(byPolicy));
    });
  }
  it("does flag the insecure container (the comparison is not vacuous)", async () => {
    expect((await analyze(cases[0]![1])).length).toBeGreaterThanOrEqual(7);
  });
});

describe("the served pack under the baseline profile's shipped config", { timeout: 60_000 }, () => {
  const LEVEL_NAMES: Record<number, string> = { [analyzer.EnforcementLevel.ADVISORY]: "advisory", [analyzer.EnforcementLevel.MANDATORY]: "mandatory" };
  const web = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { securityGroupId: "sg-1", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443 });
  const nginx = container({ image: "nginx:1.27.3", ports: [{ internal: 80, external: 8080, ip: "0.0.0.0" }], healthcheck: undefined }, "web");

  it("gives the verdict policy:check --profile baseline gives, levels included", async () => {
    const file = JSON.parse(readFileSync(join(ROOT, "policies/profiles/baseline.json"), "utf8")) as Record<string, unknown>;
    const info = await served.info();
    const defaults = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), LEVEL_NAMES[p.getEnforcementlevel()] ?? "mandatory"]));
    await served.configure(defaults, file);
    for (const r of [web, nginx]) {
      const got = (await served.analyze(r)).map((d) => ({ policy: d.policy, message: withoutDescription(d.policy, d.message), level: LEVEL_NAMES[d.level] }));
      const want = evaluatePolicies([r], { profile: "baseline" }).violations.map((v) => ({ policy: v.policy, message: v.message, level: v.level }));
      expect(got.sort(byPolicy), r.name).toEqual(want.sort(byPolicy));
    }
    // Not vacuous: the web rule's description (rules-described, low) is advisory, Cloudflare-only is gone.
    const webHits = (await served.analyze(web)).map((d) => d.policy);
    expect(webHits).toContain("security-group-rules-described");
    expect(webHits).not.toContain("security-group-web-from-cloudflare-only");
  });
});
