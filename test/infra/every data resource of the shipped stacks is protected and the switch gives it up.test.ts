import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { DATA_TYPES } from "@rampart/policies/rules/datastores";
import { rampart } from "../../infra/program";
import { planResource, withEngineUrns, type PlanResource } from "../../infra/plan/capture";
import { runStackUnderMocks } from "../../infra/plan/harness";
import { readStackConfig } from "../../infra/plan/stack-config";
import { ConfigError } from "../../infra/config";

const ROOT = join(__dirname, "..", "..");
const RULE = "data-resources-protected";

/** The shipped stack's offline plan, with config values set over its stack file. */
async function planOf(stack: string, overrides: Record<string, string> = {}): Promise<PlanResource[]> {
  const config = readStackConfig(ROOT, stack);
  const declared = await runStackUnderMocks(rampart, { stack, config: { ...config.values, ...overrides }, secretKeys: config.secretKeys, preview: true });
  return withEngineUrns(declared.resources.map(planResource));
}

const named = (rs: PlanResource[]) => rs.map((r) => `${r.type} ${r.name}`).sort();
const dockerData = (prefix: string) =>
  ["elasticsearch-data", "elasticsearch-config", "redis-data", "alertmanager-data", "prometheus-data", "grafana-data"].map((v) => `${DATA_TYPES.dockerVolume} ${prefix}-${v}`);

/** What each shipped stack must keep: the table of docs/data-protection.md. */
const KEPT: Record<string, string[]> = {
  local: dockerData("rampart"),
  "aws-example": [...dockerData("rampart"), `${DATA_TYPES.ebsVolume} rampart-rtc-data`],
  "aws-scale-example": [],
};
const GUARDED: Record<string, string[]> = {
  local: [],
  "aws-example": [],
  "aws-scale-example": [`${DATA_TYPES.replicationGroup} rampart-redis`, `${DATA_TYPES.openSearch} rampart-search`, `${DATA_TYPES.kmsKey} rampart-data`],
};

describe.each(Object.keys(KEPT))("the %s stack", (stack) => {
  it("protects and retains exactly its data volumes, protects its managed stores and their key, and nothing else", async () => {
    const plan = await planOf(stack);
    expect(named(plan.filter((r) => r.retainOnDelete))).toEqual([...KEPT[stack]!].sort());
    expect(named(plan.filter((r) => r.protect))).toEqual([...KEPT[stack]!, ...GUARDED[stack]!].sort());
    // Every Docker volume that is not protected is a seed's file volume, rewritten on every up.
    for (const v of plan.filter((r) => r.type === DATA_TYPES.dockerVolume && !r.protect)) {
      expect(JSON.stringify(v.inputs.labels), v.name).toMatch(/"rampart.purpose","value":"files at \//);
    }
    // No instance carries an inline data disk that dies with it.
    for (const i of plan.filter((r) => r.type === DATA_TYPES.instance)) expect(i.inputs.ebsBlockDevices ?? [], i.name).toEqual([]);
    expect(evaluatePolicies(plan).violations.filter((v) => v.policy === RULE)).toEqual([]);
  });

  it("with rampart:allowDataDeletion true declares none of them protected, takes no final snapshot, and the pack refuses each", async () => {
    const plan = await planOf(stack, { "rampart:allowDataDeletion": "true" });
    expect(plan.filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
    const ebs = plan.find((r) => r.type === DATA_TYPES.ebsVolume);
    if (ebs) expect(ebs.inputs.finalSnapshot).toBe(false);
    const cache = plan.find((r) => r.type === DATA_TYPES.replicationGroup);
    if (cache) expect(cache.inputs.finalSnapshotIdentifier).toBeUndefined();
    const refused = new Set(evaluatePolicies(plan).violations.filter((v) => v.policy === RULE && v.level === "mandatory").map((v) => v.urn));
    const data = plan.filter((r) => [...KEPT[stack]!, ...GUARDED[stack]!].includes(`${r.type} ${r.name}`));
    expect(data.length).toBe(KEPT[stack]!.length + GUARDED[stack]!.length);
    for (const r of data) expect(refused.has(r.urn), r.name).toBe(true);
  });
});

describe("rampart:allowDataDeletion", () => {
  it("is a boolean, off by default; anything else is refused by name", async () => {
    const config = readStackConfig(ROOT, "local");
    // Pulumi.yaml's default, and no shipped stack file sets it.
    expect(config.values["rampart:allowDataDeletion"]).toBe("false");
    for (const stack of Object.keys(KEPT)) expect(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8"), stack).not.toContain("allowDataDeletion");
    const error = await runStackUnderMocks(rampart, { stack: "local", config: { ...config.values, "rampart:allowDataDeletion": "yes" }, preview: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toContain('rampart:allowDataDeletion: must be a boolean, got "yes"');
  });
});

describe(`the ${RULE} rule`, () => {
  const protectedKinds = (protect: boolean): PlanResource[] =>
    [
      { type: DATA_TYPES.dockerVolume, inputs: { name: "v", labels: [{ label: "rampart.service", value: "redis" }] } },
      { type: DATA_TYPES.ebsVolume, inputs: { availabilityZone: "eu-west-1a", size: 20, encrypted: true, finalSnapshot: true } },
      { type: DATA_TYPES.replicationGroup, inputs: { snapshotRetentionLimit: 7, finalSnapshotIdentifier: "g-final" } },
      { type: DATA_TYPES.openSearch, inputs: { domainName: "d" } },
      { type: DATA_TYPES.kmsKey, inputs: { description: "k" } },
    ].map((r, i) => ({ urn: `urn:pulumi:t::rampart::${r.type}::r${i}`, name: `r${i}`, ...r, protect }));

  it("refuses each kind of data resource on its own when it is not protected, and accepts it protected", () => {
    for (const r of protectedKinds(false)) {
      const found = evaluatePolicies([r]).violations.filter((v) => v.policy === RULE);
      expect(found.map((v) => v.message).join("\n"), r.type).toMatch(/is not protected: `pulumi destroy` or a replacement would delete it; declare it with protect \(leave rampart:allowDataDeletion off\)/);
    }
    for (const r of protectedKinds(true)) expect(evaluatePolicies([r]).violations.filter((v) => v.policy === RULE), r.type).toEqual([]);
  });

  it("refuses the missing snapshots and an inline EBS data disk even on a protected resource", () => {
    const [, ebs, cache] = protectedKinds(true);
    const messages = (r: PlanResource) => evaluatePolicies([r]).violations.filter((v) => v.policy === RULE).map((v) => v.message).join("\n");
    expect(messages({ ...ebs!, inputs: { ...ebs!.inputs, finalSnapshot: false } })).toMatch(/finalSnapshot is not true/);
    expect(messages({ ...cache!, inputs: { snapshotRetentionLimit: 0 } })).toMatch(/snapshotRetentionLimit is 0: no automated backups are kept[\s\S]*no finalSnapshotIdentifier/);
    const instance = { urn: "urn:pulumi:t::rampart::aws:ec2/instance:Instance::i", type: DATA_TYPES.instance, name: "i", inputs: { ami: "ami-1", ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 50 }] } };
    expect(messages(instance)).toMatch(/ebsBlockDevices\[0\] \(\/dev\/sdf\) is deleted when the instance terminates or is replaced/);
  });

  it("under the baseline profile reports without naming Rampart's switch, at advisory", () => {
    const [volume] = protectedKinds(false);
    const found = evaluatePolicies([volume!], { profile: "baseline" }).violations.filter((v) => v.policy === RULE);
    expect(found.map((v) => [v.level, /rampart/i.test(v.message)])).toEqual([["advisory", false]]);
  });
});
