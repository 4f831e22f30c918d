import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffPlans, diffSides, previewBefore, readSide, renderMarkdown } from "../../infra/diff/index";

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const WIDER = "198.51.0.0/16";

interface Plan {
  resources: { urn: string; type: string; name: string; inputs: Record<string, unknown> }[];
}

function plan(projectDir?: string): string {
  return execFileSync(TSX, [join(ROOT, "infra/plan/cli.ts"), "--stack", "aws-example", "--json", ...(projectDir ? ["--project-dir", projectDir] : [])], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
}

describe("npm run diff on two plans of aws-example", () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-diff-"));
  let base: Plan;
  let head: Plan;

  beforeAll(() => {
    base = JSON.parse(plan()) as Plan;
    // Head: the admin range widened to a large range config validation still accepts…
    copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    const stackFile = readFileSync(join(ROOT, "Pulumi.aws-example.yaml"), "utf8");
    expect(stackFile).toContain("198.51.100.0/24");
    writeFileSync(join(dir, "Pulumi.aws-example.yaml"), stackFile.replace("198.51.100.0/24", WIDER));
    head = JSON.parse(plan(dir)) as Plan;
    // …and a capability added. No config key adds one (the container component refuses it), so the
    // head plan's JSON is edited: NET_ADMIN on the gateway container.
    const gateway = head.resources.find((r) => r.type === "docker:index/container:Container" && r.name === "rampart-gateway")!;
    gateway.inputs.capabilities = { ...(gateway.inputs.capabilities as object), adds: ["NET_ADMIN"] };
    writeFileSync(join(dir, "base.json"), JSON.stringify(base));
    writeFileSync(join(dir, "head.json"), JSON.stringify(head));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("flags both as security changes, changes the admin rows of the exposure table and reports the new violation", () => {
    const report = diffPlans(base, head, { base: "base.json", head: "head.json" });
    const sentences = (c: string) => report.findings.filter((f) => f.category === c).map((f) => f.sentence).join("\n");
    expect(sentences("exposure")).toContain(`ingress rule now 6789/tcp from ${WIDER} (was 6789/tcp from 198.51.100.0/24)`);
    expect(sentences("exposure")).toContain("host firewall rules in userData change");
    expect(sentences("privilege")).toContain('capabilities added: +"NET_ADMIN"');
    const changed = report.exposure.filter((r) => r.changed);
    expect(changed.map((r) => r.port).sort()).toEqual(["coturn-prometheus", "gateway-metrics", "livekit-prometheus"]);
    for (const row of changed) {
      expect(row).toMatchObject({ class: "admin", widened: true });
      expect(row.before.cidrs).toContain("198.51.100.0/24");
      expect(row.after.cidrs).toContain(WIDER);
      expect(row.after.internet).toBe(false);
    }
    expect(report.verdict.new.map((v) => [v.policy, v.level])).toEqual([["docker-capabilities-add-allowlisted", "mandatory"]]);
    expect(report.summary).toMatchObject({ create: 0, delete: 0, newExposures: 3, blocking: 1 });
    expect(renderMarkdown(report).split("\n")[1]).toBe("### Rampart diff: `aws-example` — +0 ~5 −0, 3 new exposures, 1 new violation (1 blocking)");
  });

  it("exits 1 on a new mandatory violation, 0 without, 2 on bad input", () => {
    const run = (...args: string[]) => spawnSync(TSX, [join(ROOT, "infra/diff/cli.ts"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
    const blocking = run(join(dir, "base.json"), join(dir, "head.json"), "--json");
    expect(blocking.status).toBe(1);
    expect(JSON.parse(blocking.stdout).summary.blocking).toBe(1);
    const same = run(join(dir, "base.json"), join(dir, "base.json"));
    expect(same.status).toBe(0);
    expect(same.stdout).toContain("no changes");
    expect(run(join(dir, "base.json")).status).toBe(2);
    expect(run(join(dir, "base.json"), join(dir, "missing.json")).status).toBe(2);
    expect(run(join(dir, "base.json"), join(ROOT, "Pulumi.yaml")).status).toBe(2);
    // Five CLI runs in a row: generous on a shared, loaded machine.
  }, 120_000);
});

describe("npm run diff on a real engine preview", () => {
  // The engine fixture is one preview; its steps carry the engine's own before state (oldState), so the
  // file alone is a before/after pair (`npm run diff -- PREVIEW.json`).
  it("shows the allowed-origins change of aws-example as an edge change and nothing else", () => {
    const doc: unknown = JSON.parse(readFileSync(join(ROOT, "test/fixtures/engine/aws-example-allowed-origins.preview.json"), "utf8"));
    const report = diffSides(readSide(previewBefore(doc), "before"), readSide(doc, "preview"));
    expect(report.summary).toMatchObject({ create: 0, update: 2, delete: 0, newViolations: 0, newExposures: 0 });
    expect(report.findings.map((f) => f.category)).toEqual(["edge"]);
    expect(report.findings[0]!.sentence).toContain("https://app2.example.com");
    const gateway = report.resources.find((r) => r.name === "rampart-gateway")!;
    expect(gateway.changes.map((c) => c.path.join("."))).toEqual(["envs"]);
  });
});
