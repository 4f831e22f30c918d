/**
 * The suite can fail: each variant below removes one hardening input from what a component declares,
 * runs it on the engine like the real thing, and shows that the very check the main suite uses reports
 * the difference. If a check here passed on a broken container, the main suite's check would be vacuous.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { EngineRun } from "./support/engine";
import { describeWithEngine, LOCAL_IMAGES } from "./support/engine-gate";
import { capabilityNames, containerProcesses, writeError } from "./support/hardening";
import { declareStack, engineSpec, newPlanBasics, type StackPlan } from "./support/stack";
import { prove, summary } from "./support/summary";

const describeEngine = describeWithEngine([LOCAL_IMAGES.nginx, LOCAL_IMAGES.coturn, LOCAL_IMAGES.redis]);

describeEngine("deliberately broken variants", () => {
  const engine = new EngineRun("broken");
  let plan: StackPlan;
  let network: string;

  beforeAll(async () => {
    plan = await declareStack(newPlanBasics());
    network = await engine.internalNetwork("internal", plan.subnet);
    // nginx resolves its upstream names at start; give them addresses.
    await engine.helper("gateway-name", LOCAL_IMAGES.base, network, ["sleep", "300"]);
    await engine.helper("livekit-name", LOCAL_IMAGES.base, network, ["sleep", "300"]);
    await aliasHelpers(engine, network);
  });

  afterAll(async () => {
    const leftovers = await engine.cleanup();
    console.log(summary("Deliberately broken variants the suite's checks catch:"));
    if (leftovers.length > 0) throw new Error(`cleanup left: ${leftovers.join("; ")}`);
  });

  for (const service of ["edge", "coturn"] as const) {
    it(`${service} with its read-only root but without its scratch tmpfs never becomes healthy`, async () => {
      const spec = engineSpec(service, plan.captured[service], network, engine.volumeName, (inputs) => {
        expect(Object.keys((inputs.tmpfs ?? {}) as object).length).toBeGreaterThan(0);
        delete inputs.tmpfs;
        return inputs;
      });
      for (const [n, helper] of plan.helpers[service].entries()) {
        await engine.launch(`${service}-no-tmpfs-helper${n}`, engineSpec(service, helper, network, engine.volumeName));
      }
      const id = await engine.launch(`${service}-no-tmpfs`, spec);
      const failure = await engine.waitHealthy(id, `${service} without tmpfs`, 60_000).then(
        () => undefined,
        (err: Error) => err.message,
      );
      expect(failure, "the health check must fail").toBeDefined();
      expect(failure).toMatch(/Read-only file system|cannot create|Permission denied/);
      prove(`${service} without its tmpfs`, "never becomes healthy: the start check reports the read-only root failure");
    });
  }

  it("redis with capabilities kept and no-new-privileges dropped is reported by the privilege check", async () => {
    const spec = engineSpec("redis", plan.captured.redis, network, engine.volumeName, (inputs) => {
      inputs.capabilities = {};
      inputs.securityOpts = [];
      inputs.readOnly = false;
      return inputs;
    });
    for (const [n, helper] of plan.helpers.redis.entries()) {
      await engine.launch(`redis-privileged-helper${n}`, engineSpec("redis", helper, network, engine.volumeName));
    }
    const id = await engine.launch("redis-privileged", spec);
    await engine.waitHealthy(id, "redis with default privileges", 90_000);
    const procs = await containerProcesses(engine, id);
    expect(procs.some((p) => p.noNewPrivs !== 1)).toBe(true);
    expect(procs.some((p) => capabilityNames(p.capBnd).length > 0)).toBe(true);
    // The main suite requires "Read-only file system"; here only ordinary permissions stop the write.
    expect(await writeError(engine, id, "/rampart-write-probe")).not.toMatch(/Read-only file system/);
    expect(await writeError(engine, id, "/var/tmp/rampart-write-probe")).toBeUndefined();
    prove("redis with default privileges", "NoNewPrivs 0, a non-empty capability bounding set and a writable root are all detected");
  });
});

async function aliasHelpers(engine: EngineRun, network: string): Promise<void> {
  const { execFileSync } = await import("node:child_process");
  for (const alias of ["gateway", "livekit"]) {
    const name = engine.name(`${alias}-name`);
    execFileSync("docker", ["network", "disconnect", network, name]);
    execFileSync("docker", ["network", "connect", "--alias", alias, network, name]);
  }
}
