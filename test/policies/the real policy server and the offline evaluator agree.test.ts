import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies, type PlanResource } from "../../policies/check/evaluate";
import { RULES } from "../../policies/rules";
import { container, coturn, resource } from "./fixtures/build";

/**
 * Boots policies/index.ts — the PolicyPack as `pulumi preview --policy-pack policies` runs it — and
 * asks its gRPC Analyze endpoint the question the Pulumi engine asks, then compares the answer with
 * the offline evaluator's. This is what lets plan/policy:check users trust their verdict.
 */
const ROOT = join(__dirname, "../..");
let pack: ChildProcess;
let client: grpc.Client & { analyze: (req: analyzer.AnalyzeRequest, cb: (err: Error | null, res: analyzer.AnalyzeResponse) => void) => void };

beforeAll(async () => {
  pack = spawn(join(ROOT, "node_modules/.bin/tsx"), ["policies/index.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`policy pack did not start: ${err}`)), 50_000);
    pack.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    pack.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    pack.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${err}`)));
  });
  const Client = analyzerRpc.AnalyzerClient as unknown as new (addr: string, creds: grpc.ChannelCredentials) => typeof client;
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60_000);

afterAll(() => {
  client?.close();
  if (pack?.pid) process.kill(pack.pid);
});

function analyze(r: PlanResource): Promise<{ policy: string; message: string }[]> {
  const req = new analyzer.AnalyzeRequest();
  req.setType(r.type);
  req.setUrn(r.urn);
  req.setName(r.name);
  req.setProperties(Struct.fromJavaScript(r.inputs as Record<string, never>));
  const opts = new analyzer.AnalyzerResourceOptions();
  opts.setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts());
  req.setOptions(opts);
  return new Promise((resolve, reject) =>
    client.analyze(req, (err, res) => (err ? reject(err) : resolve(res.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), message: withoutDescription(d.getPolicyname(), d.getMessage()) }))))),
  );
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
