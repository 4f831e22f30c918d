/**
 * The real Pulumi CLI (scripts/engine/build-pulumi.sh) runs Rampart as an inline Automation API program,
 * with the policy pack loaded by the engine as an analyzer plugin. Every provider is the STAND-IN of
 * ./support/stand-in-provider.ts: what the engine proves here is its own part (planning, diffing, state,
 * secrets, policy analysis), not what AWS, Cloudflare or Docker would do with the resources.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import type { EngineEvent, PulumiFn } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { rampart } from "../../infra/program";
import {
  createStack,
  findPulumi,
  recordedSteps,
  ROOT,
  runCli,
  runCliWithoutProgram,
  secretPlaintexts,
  startEngine,
  timed,
  type Engine,
  type StackRun,
} from "./support/engine";

const STACKS = ["local", "aws-example"] as const;
type StackName = (typeof STACKS)[number];

const FIXTURES = join(ROOT, "test", "fixtures", "engine");
const UPDATE_FIXTURES = process.env.UPDATE_ENGINE_FIXTURES === "1";

/** The origin the config-change test adds to rampart:allowedOrigins. */
const ADDED_ORIGIN: Record<StackName, string> = { local: "https://localhost:9443", "aws-example": "https://app2.example.com" };

/**
 * What adding an allowed origin must change, by resource name: the gateway (its environment carries the
 * origins), the seed container that writes the gateway's configuration, and on aws the Cloudflare WAF
 * ruleset that refuses WebSocket upgrades from other origins. Nothing else.
 */
const CHANGED_BY_ORIGINS: Record<StackName, string[]> = {
  // The seed containers do not embed the origins: only the gateway's ALLOWED_ORIGINS does.
  local: ["rampart-gateway"],
  "aws-example": ["rampart-edge-waf-custom", "rampart-gateway"],
};

/** A pinned search image other than the default (components/containers/images.ts): a change that replaces the container. */
const OTHER_SEARCH_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:8.19.5";
const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  protect?: boolean;
  retainOnDelete?: boolean;
}

interface OfflinePlan {
  resources: { urn: string; type: string; protect?: boolean; retainOnDelete?: boolean }[];
  violations: { policy: string; urn?: string; level: string }[];
  code: number;
  ms: number;
}

function offlinePlan(stack: StackName): OfflinePlan {
  const t0 = performance.now();
  const r = spawnSync("npx", ["tsx", "infra/plan/cli.ts", "--stack", stack, "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 << 20 });
  const ms = Math.round(performance.now() - t0);
  if (r.status !== 0 && r.status !== 1) throw new Error(`offline plan of ${stack} exited ${r.status}:\n${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Omit<OfflinePlan, "code" | "ms">), code: r.status, ms };
}

interface Verdict {
  code: number;
  /** "level policy type::name", notes that a rule could not run left out. */
  violations: string[];
}

function policyCheck(file: string): Verdict & { notRun: number } {
  const r = spawnSync("npm", ["run", "--silent", "policy:check", "--", file, "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`policy:check ${file} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  const out = JSON.parse(r.stdout) as { violations: Violation[] };
  return { code: r.status, violations: verdict(out.violations), notRun: out.violations.filter((v) => CANNOT_RUN.test(v.message)).length };
}

interface Violation {
  policy: string;
  urn?: string;
  level: string;
  message: string;
}

// The offline plan names resources by the engine's URNs, so verdicts and resources compare by URN.
const verdict = (vs: Violation[]) => vs.filter((v) => !CANNOT_RUN.test(v.message)).map((v) => `${v.level} ${v.policy} ${v.urn ?? ""}`).sort();

/** What @pulumi/policy reports, as an advisory diagnostic, for a rule that read a value unknown at preview. */
const CANNOT_RUN = /can't run policy '[^']+' (from policy pack '[^']+' )?during preview/;

/** Engine events of one operation: the steps it planned and the policy diagnostics the pack reported. */
function recorder() {
  const events: EngineEvent[] = [];
  return {
    onEvent: (e: EngineEvent) => events.push(e),
    changed: () =>
      [...new Set(events.flatMap((e) => (e.resourcePreEvent && !["same", "read"].includes(e.resourcePreEvent.metadata.op) ? [e.resourcePreEvent.metadata.urn] : [])))].sort(),
    ops: () => Object.fromEntries(events.flatMap((e) => (e.resourcePreEvent ? [[e.resourcePreEvent.metadata.urn, e.resourcePreEvent.metadata.op]] : []))),
    /** Every step op the engine announced for `urn` (a replacement is several: replace, delete-replaced, …). */
    opsOf: (urn: string) => [...new Set(events.flatMap((e) => (e.resourcePreEvent?.metadata.urn === urn ? [e.resourcePreEvent.metadata.op] : [])))].sort(),
    /** Violations the pack reported ("level policy urn"), without its notes that it could not run a rule. */
    policy: () =>
      [...new Set(events.flatMap((e) => (e.policyEvent && !CANNOT_RUN.test(e.policyEvent.message) ? [`${e.policyEvent.enforcementLevel} ${e.policyEvent.policyName} ${e.policyEvent.resourceUrn ?? ""}`] : [])))].sort(),
    /** Rules @pulumi/policy could not run because a value they read was unknown ("policy name: what"). */
    notRun: () =>
      [...new Set(events.flatMap((e) => (e.policyEvent && CANNOT_RUN.test(e.policyEvent.message) ? [`${e.policyEvent.policyName} on ${nameOf(e.policyEvent.resourceUrn ?? "")}: ${e.policyEvent.message.replace(/^.*during preview: /s, "").trim()}`] : [])))].sort(),
  };
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
/** The engine adds a default provider per package; the program declares the rest. */
const isDefaultProvider = (urn: string) => urn.includes("::pulumi:providers:") && nameOf(urn).startsWith("default");

/**
 * URNs the `--diff` text shows with a change: a step line (`~ type: (update)`, `+-`, `+`, `-`, …) is
 * followed by its `[id=…]` and `[urn=…]` lines; `(same)` steps are left out.
 */
function changedUrnsInDiff(text: string): string[] {
  const urns: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const step = /^\s*(?:[~+-]|\+-|-\+|\+\+|--)\s+[\w:/.-]+: \(([\w-]+)\)\s*$/.exec(line);
    if (!step || step[1] === "same") return;
    const urn = lines.slice(i + 1, i + 4).map((l) => /^\s*\[urn=([^\]]+)\]/.exec(l)?.[1]).find(Boolean);
    if (urn) urns.push(urn);
  });
  return [...new Set(urns)].sort();
}

/** Changed URNs in `pulumi preview --json`. */
function changedUrnsInJson(doc: { steps: { op: string; urn: string }[] }): string[] {
  return [...new Set(doc.steps.filter((s) => !["same", "read"].includes(s.op)).map((s) => s.urn))].sort();
}

/** The resources of a stack's state (default providers left out). */
async function resourcesInState(run: StackRun): Promise<StateResource[]> {
  const state = await run.stack.exportStack();
  return (state.deployment.resources as StateResource[]).filter((r) => !isDefaultProvider(r.urn) && r.type !== "pulumi:pulumi:Stack");
}

/** A test whose engine or earlier step is missing skips on a developer machine; under CI=true it fails. */
function skipOutsideCi(skip: () => void): void {
  if (process.env.CI === "true") throw new Error("the engine, or the step this test builds on, is missing: under CI that is a failure");
  skip();
}

let engine: Engine | undefined;
const timings: string[] = [];
const notRunAtPreview: Record<string, string[]> = {};

beforeAll(async () => {
  const pulumi = findPulumi();
  if (pulumi) engine = await startEngine(pulumi);
});

afterAll(() => {
  for (const [stack, notRun] of Object.entries(notRunAtPreview)) {
    if (notRun.length) process.stdout.write(`\n${stack}: rules the engine's preview could not run (values unknown until up):\n${notRun.map((n) => `  ${n}`).join("\n")}\n`);
  }
  if (timings.length) process.stdout.write(`\nengine suite timings (this run):\n${timings.map((t) => `  ${t}`).join("\n")}\n`);
  // The backend, PULUMI_HOME and stand-in bin; set RAMPART_KEEP_ENGINE_DIR=1 to look at them.
  if (engine && process.env.RAMPART_KEEP_ENGINE_DIR !== "1") rmSync(engine.dir, { recursive: true, force: true });
});

for (const stackName of STACKS) {
  describe(`${stackName} on the real engine`, () => {
    let run: StackRun;
    let plan: OfflinePlan;
    let previewJson: string;
    let exportFile: string;

    test("preview then up create exactly what the offline plan declares, and the engine's policy pack passes them", async ({ skip }) => {
      if (!engine) return skipOutsideCi(skip);
      plan = offlinePlan(stackName);
      timings.push(`${stackName}: offline plan (npx tsx infra/plan/cli.ts --json, a process of its own) ${plan.ms} ms`);
      run = await createStack(engine, stackName, stackName, rampart);

      const pre = recorder();
      const [preview, previewMs] = await timed(() => run.stack.preview({ policyPacks: [engine!.policyPack], onEvent: pre.onEvent }));
      timings.push(`${stackName}: engine preview with the policy pack ${previewMs} ms`);
      expect(preview.changeSummary).toEqual({ create: plan.resources.length });
      // The engine loaded the pack (it names it in its Policies section) and it found no violation.
      expect(preview.stdout).toMatch(/Policies:\n\s+\S+ rampart@v0\.1\.0/);
      expect(pre.policy()).toEqual([]);
      // Rules reading a value the preview cannot know yet (a generated password inside a config file) are
      // not run then: @pulumi/policy says so as an advisory note. They run at `up`, below.
      notRunAtPreview[stackName] = pre.notRun();

      // `pulumi preview --json` of the same fresh stack, for policy:check below.
      const json = await runCli(run.stack, ["preview", "--json", "--policy-pack", engine.policyPack], rampart);
      previewJson = join(engine.dir, `${stackName}.preview.json`);
      writeFileSync(previewJson, json.stdout);

      const up = recorder();
      const [result, upMs] = await timed(() => run.stack.up({ policyPacks: [engine!.policyPack], onEvent: up.onEvent }));
      timings.push(`${stackName}: engine up with the policy pack ${upMs} ms`);
      expect(result.summary.resourceChanges).toEqual({ create: plan.resources.length });
      // The pack's verdict with outputs unknown (preview) is the verdict with them known (up), and at up
      // every rule ran.
      expect(up.policy()).toEqual(pre.policy());
      expect(up.notRun()).toEqual([]);

      const state = await run.stack.exportStack();
      const urns = (state.deployment.resources as { urn: string }[]).map((r) => r.urn).filter((u) => !isDefaultProvider(u));
      expect([...urns].sort()).toEqual(plan.resources.map((r) => r.urn).sort());
    });

    test("a second preview and up change nothing (no perpetual diff)", async ({ skip }) => {
      if (!engine || !run) return skipOutsideCi(skip);
      const pre = recorder();
      const [preview, ms] = await timed(() => run.stack.preview({ diff: true, onEvent: pre.onEvent, policyPacks: [engine!.policyPack] }));
      timings.push(`${stackName}: engine preview of an unchanged stack ${ms} ms`);
      // A change here is a program (or stand-in) defect: the message names each resource and its diff.
      expect(pre.changed(), preview.stdout).toEqual([]);
      expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
      const up = await run.stack.up({ policyPacks: [engine.policyPack] });
      expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    });

    test("the state export holds no generated secret in plain text", async ({ skip }) => {
      if (!engine || !run) return skipOutsideCi(skip);
      // --show-secrets (the Automation API's exportStack) only to learn the values to look for.
      const decrypted = await run.stack.exportStack();
      const resources = decrypted.deployment.resources as { type: string; outputs?: Record<string, unknown> }[];
      // Certificates are public (the local stack's client-certificate output bundles two beside its key).
      const secrets = secretPlaintexts(decrypted.deployment).filter((s) => s.length >= 8 && !s.startsWith("-----BEGIN CERTIFICATE-----"));
      const must = [
        ...resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => secretPlaintexts(r.outputs?.result)),
        ...resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey").map((r) => secretPlaintexts(r.outputs?.privateKeyPem)),
      ];
      // Every password and private key is a secret in state (a plain one has no plaintext to find).
      expect(must.length).toBeGreaterThan(0);
      for (const m of must) expect(m).toHaveLength(1);

      const raw = await runCliWithoutProgram(run.stack, ["stack", "export"]);
      expect(raw.stdout).not.toContain('"plaintext"');
      const leaked = secrets.filter((s) => raw.stdout.includes(s) || raw.stdout.includes(JSON.stringify(s).slice(1, -1)));
      expect(leaked.map((s) => `${s.slice(0, 12)}… (${s.length} chars)`)).toEqual([]);
      exportFile = join(engine.dir, `${stackName}.export.json`);
      writeFileSync(exportFile, raw.stdout);
    });

    test("policy:check on the engine's export and preview --json reaches the offline plan's verdict", async ({ skip }) => {
      if (!engine || !plan || !exportFile) return skipOutsideCi(skip);
      const expected: Verdict = { code: plan.code, violations: verdict(plan.violations as Violation[]) };
      const pick = ({ code, violations }: Verdict) => ({ code, violations });
      // The state after up: every value known.
      const fromExport = policyCheck(exportFile);
      expect(pick(fromExport)).toEqual(expected);
      expect(fromExport.notRun).toBe(0);
      // preview --json of the fresh stack: same verdict; rules reading unknown values are noted as not run.
      const fromPreview = policyCheck(previewJson);
      expect(pick(fromPreview)).toEqual(expected);
      // preview --json once the stack is up: every value known again, nothing left unrun.
      const known = join(engine.dir, `${stackName}.preview-after-up.json`);
      writeFileSync(known, (await runCli(run.stack, ["preview", "--json"], rampart)).stdout);
      const fromKnownPreview = policyCheck(known);
      expect(pick(fromKnownPreview)).toEqual(expected);
      expect(fromKnownPreview.notRun).toBe(0);
      timings.push(`${stackName}: policy:check notes ${fromPreview.notRun} rule run(s) it could not make on the fresh preview --json (unknown values)`);
    });

    test("adding an allowed origin updates exactly the resources that carry the origins", async ({ skip }) => {
      if (!engine || !run) return skipOutsideCi(skip);
      const key = "rampart:allowedOrigins";
      const before = run.config[key]!.value;
      const origins = [...(JSON.parse(before) as string[]), ADDED_ORIGIN[stackName]];
      await run.stack.setConfig(key, { value: JSON.stringify(origins) });
      try {
        const pre = recorder();
        const preview = await run.stack.preview({ diff: true, onEvent: pre.onEvent });
        const changed = pre.changed();
        expect(changed.map(nameOf).sort()).toEqual(CHANGED_BY_ORIGINS[stackName]);
        // The stand-in models no ForceNew: each change is an update.
        expect(new Set(changed.map((u) => pre.ops()[u]))).toEqual(new Set(["update"]));

        const json = await runCli(run.stack, ["preview", "--json"], rampart);
        const scrub = (s: string) => s.split(engine!.dir).join("<engine-tmp>");
        const fixtureJson = join(FIXTURES, `${stackName}-allowed-origins.preview.json`);
        const fixtureDiff = join(FIXTURES, `${stackName}-allowed-origins.preview-diff.txt`);
        if (UPDATE_FIXTURES) {
          mkdirSync(FIXTURES, { recursive: true });
          writeFileSync(fixtureJson, scrub(json.stdout));
          writeFileSync(fixtureDiff, scrub(preview.stdout));
        }
        expect(existsSync(fixtureJson), `${fixtureJson} missing: run with UPDATE_ENGINE_FIXTURES=1`).toBe(true);
        const stored = JSON.parse(readFileSync(fixtureJson, "utf8")) as { steps: { op: string; urn: string }[] };
        expect(changedUrnsInJson(JSON.parse(json.stdout) as typeof stored)).toEqual(changed);
        expect(changedUrnsInJson(stored)).toEqual(changed);
        expect(changedUrnsInDiff(preview.stdout)).toEqual(changed);
        expect(changedUrnsInDiff(readFileSync(fixtureDiff, "utf8"))).toEqual(changed);
      } finally {
        await run.stack.setConfig(key, { value: before });
      }
    });

    test("the engine stores exactly the offline plan's data resources as protected and retained", async ({ skip }) => {
      if (!engine || !run || !plan) return skipOutsideCi(skip);
      const state = await resourcesInState(run);
      const planned = plan.resources.filter((r) => r.protect).map((r) => r.urn).sort();
      expect(planned.length).toBeGreaterThanOrEqual(stackName === "local" ? 6 : 7);
      expect(state.filter((r) => r.protect).map((r) => r.urn).sort()).toEqual(planned);
      expect(state.filter((r) => r.retainOnDelete).map((r) => r.urn).sort()).toEqual(plan.resources.filter((r) => r.retainOnDelete).map((r) => r.urn).sort());
      // Every Docker volume that is not a seed's file volume is among them, the search and Redis data first of all.
      for (const name of ["rampart-elasticsearch-data", "rampart-elasticsearch-config", "rampart-redis-data"]) {
        expect(state.find((r) => r.type === VOLUME && nameOf(r.urn) === name), name).toMatchObject({ protect: true, retainOnDelete: true });
      }
      if (stackName === "aws-example") expect(state.find((r) => r.type === "aws:ebs/volume:Volume")).toMatchObject({ protect: true, retainOnDelete: true });
    });

    test("a new search image replaces the search container and keeps its volumes: same URNs and ids, never deleted or created", async ({ skip }) => {
      if (!engine || !run) return skipOutsideCi(skip);
      const key = "rampart:elasticsearchImage";
      const before = await resourcesInState(run);
      const container = before.find((r) => r.type === CONTAINER && nameOf(r.urn) === "rampart-elasticsearch")!;
      const volumes = before.filter((r) => r.type === VOLUME && ["rampart-elasticsearch-data", "rampart-elasticsearch-config"].includes(nameOf(r.urn)));
      expect(container).toBeDefined();
      expect(volumes).toHaveLength(2);
      await run.stack.setConfig(key, { value: OTHER_SEARCH_IMAGE });
      try {
        const pre = recorder();
        await run.stack.preview({ onEvent: pre.onEvent });
        expect(pre.opsOf(container.urn)).toContain("replace");
        for (const v of volumes) expect(pre.opsOf(v.urn), nameOf(v.urn)).toEqual(["same"]);

        const mark = recordedSteps(engine).length;
        const up = recorder();
        await run.stack.up({ onEvent: up.onEvent });
        const steps = recordedSteps(engine, mark);
        // The container went first (its fixed name) and came back with a new id; the volumes were not touched.
        expect(steps.filter((st) => st.urn === container.urn).map((st) => st.op)).toEqual(["delete", "create"]);
        expect(steps.filter((st) => volumes.some((v) => v.urn === st.urn))).toEqual([]);
        for (const v of volumes) expect(up.opsOf(v.urn), nameOf(v.urn)).toEqual(["same"]);
        const after = await resourcesInState(run);
        expect(after.find((r) => r.urn === container.urn)?.id).not.toBe(container.id);
        for (const v of volumes) expect(after.find((r) => r.urn === v.urn)).toMatchObject({ id: v.id, protect: true, retainOnDelete: true });
      } finally {
        await run.stack.removeConfig(key);
      }
    });

    test("destroy with rampart:allowDataDeletion off fails, naming the protected data, and deletes none of it", async ({ skip }) => {
      if (!engine || !run) return skipOutsideCi(skip);
      const data = (await resourcesInState(run)).filter((r) => r.protect);
      expect(data.length).toBeGreaterThan(0);
      const mark = recordedSteps(engine).length;
      let out = "";
      await expect(run.stack.destroy({ onOutput: (t) => (out += t) })).rejects.toThrow(/protected/);
      // The engine's own words: which resource, that it is protected, how to unprotect it. It names each
      // protected resource it reached (the engine stops scheduling deletes after the first errors, so
      // not necessarily all), and only protected ones.
      const named = [...out.replace(/\s+/g, " ").matchAll(/resource "(urn:[^"]+)" cannot be deleted because it is protected\. To unprotect the resource/g)].map((m) => m[1]!);
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((u) => !data.some((r) => r.urn === u))).toEqual([]);
      expect(out).toContain("pulumi state unprotect");
      const after = await resourcesInState(run);
      for (const r of data) expect(after.find((a) => a.urn === r.urn), nameOf(r.urn)).toMatchObject({ id: r.id, protect: true });
      // What stays besides the data is only what it depends on (the host's subnet and VPC on aws): every
      // container, network and seed is gone.
      expect(after.filter((r) => r.type === CONTAINER)).toEqual([]);
      const deleted = recordedSteps(engine, mark).filter((st) => st.op === "delete").map((st) => st.urn);
      expect(deleted.filter((u) => data.some((r) => r.urn === u))).toEqual([]);
      timings.push(`${stackName}: protected destroy stopped after deleting ${deleted.length} unprotected resource(s); ${data.length} data resource(s) kept`);
    });

    test("unprotected by hand, destroy still leaves every retained volume behind: out of the state, never deleted", async ({ skip }) => {
      if (!engine || !run) return skipOutsideCi(skip);
      const retained = (await resourcesInState(run)).filter((r) => r.retainOnDelete);
      expect(retained.length).toBeGreaterThan(0);
      await runCliWithoutProgram(run.stack, ["state", "unprotect", "--all", "--yes"]);
      const mark = recordedSteps(engine).length;
      await run.stack.destroy();
      expect((await run.stack.exportStack()).deployment.resources ?? []).toEqual([]);
      const deleted = recordedSteps(engine, mark).filter((st) => st.op === "delete").map((st) => st.urn);
      // What the protected destroy could not delete for their sake (aws: the subnet and VPC) goes now.
      expect(deleted.filter((u) => retained.some((r) => r.urn === u))).toEqual([]);
      timings.push(`${stackName}: unprotected destroy deleted ${deleted.length} resource(s) and retained ${retained.length}`);
    });

    test("with rampart:allowDataDeletion set, up leaves nothing protected and destroy deletes everything, data included", async ({ skip }) => {
      if (!engine || !run) return skipOutsideCi(skip);
      const key = "rampart:allowDataDeletion";
      await run.stack.setConfig(key, { value: "true" });
      try {
        // No policy pack here: with the switch on, the pack reports the unprotected data (mandatory),
        // which is the point of it; a throwaway stack runs it with that rule advisory (docs/data-protection.md).
        await run.stack.up();
        const state = await resourcesInState(run);
        expect(state.filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
        const data = plan.resources.filter((r) => r.protect).map((r) => r.urn);
        const mark = recordedSteps(engine).length;
        const [, ms] = await timed(() => run.stack.destroy());
        timings.push(`${stackName}: engine destroy ${ms} ms`);
        expect((await run.stack.exportStack()).deployment.resources ?? []).toEqual([]);
        const deleted = new Set(recordedSteps(engine, mark).filter((st) => st.op === "delete").map((st) => st.urn));
        expect(data.filter((u) => !deleted.has(u))).toEqual([]);
      } finally {
        await run.stack.removeConfig(key);
      }
    });
  });
}

describe("an insecure variant on the real engine", () => {
  const RULE = "security-group-no-world-admin-or-internal-ports";
  /**
   * No configuration the program accepts is refused by the pack (the program validates first), so the
   * variant is the aws-example program plus one resource a test adds: Redis's port open to the world.
   */
  const insecure: PulumiFn = async () => {
    const outputs = await rampart();
    new aws.vpc.SecurityGroupIngressRule("insecure-redis-from-anywhere", {
      securityGroupId: "sg-0insecure0000000",
      ipProtocol: "tcp",
      fromPort: 6379,
      toPort: 6379,
      cidrIpv4: "0.0.0.0/0",
      description: "redis from anywhere",
    });
    return outputs;
  };

  test("fails preview and up with the rule's name in the engine's own output, the same verdict both times", async ({ skip }) => {
    if (!engine) return skipOutsideCi(skip);
    const { stack } = await createStack(engine, "aws-example-insecure", "aws-example", insecure);
    let out = "";
    const pre = recorder();
    await expect(stack.preview({ policyPacks: [engine.policyPack], onEvent: pre.onEvent, onOutput: (s) => (out += s) })).rejects.toThrow();
    expect(out).toContain(RULE);
    expect(pre.policy().some((p) => p.startsWith(`mandatory ${RULE} `) && p.endsWith("::insecure-redis-from-anywhere"))).toBe(true);

    let upOut = "";
    const up = recorder();
    await expect(stack.up({ policyPacks: [engine.policyPack], onEvent: up.onEvent, onOutput: (s) => (upOut += s) })).rejects.toThrow();
    expect(upOut).toContain(RULE);
    // Mandatory verdicts only: `up` stops at the first mandatory violation, so the resources after it are
    // never analyzed there.
    const mandatory = (vs: string[]) => vs.filter((v) => v.startsWith("mandatory "));
    expect(mandatory(up.policy())).toEqual(mandatory(pre.policy()));
    expect(mandatory(pre.policy())).toHaveLength(1);

    // What the failed up created of the stack's data is protected: unprotected by hand, it is retained.
    await runCliWithoutProgram(stack, ["state", "unprotect", "--all", "--yes"]);
    await stack.destroy();
    expect((await stack.exportStack()).deployment.resources ?? []).toEqual([]);
  });
});
