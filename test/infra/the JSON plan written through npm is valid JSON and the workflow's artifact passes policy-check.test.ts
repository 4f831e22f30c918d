import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = join(__dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "plan-json-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a command line through bash, as a user or the workflow would, with npm from this Node. */
function sh(command: string) {
  return spawnSync("bash", ["-c", command], { cwd: ROOT, encoding: "utf8", timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
}

function planOf(file: string): { stack: string; resources: unknown[]; violations: unknown[] } {
  return JSON.parse(readFileSync(file, "utf8")) as { stack: string; resources: unknown[]; violations: unknown[] };
}

describe("the JSON plan through npm", { timeout: 300_000 }, () => {
  it("--out FILE writes the whole plan as JSON, npm's banner stays on the terminal", () => {
    const file = join(tmp, "local.json");
    const r = sh(`npm run plan -- --stack local --json --out ${file}`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/> rampart@[\d.]+ plan/); // npm's banner, which a redirect would have captured
    const plan = planOf(file);
    expect(plan.stack).toBe("local");
    expect(plan.resources.length).toBeGreaterThan(50);
    expect(r.stderr).toMatch(/plan: wrote \d+ resources and 0 violation\(s\) \(0 mandatory\)/);
  });

  it("`npm run -s plan -- --json > FILE` is JSON too", () => {
    const file = join(tmp, "silent.json");
    const r = sh(`npm run -s plan -- --stack local --json > ${file}`);
    expect(r.status, r.stderr).toBe(0);
    expect(planOf(file).stack).toBe("local");
  });

  it("--out without --json is refused with the usage", () => {
    const r = sh(`npm run -s plan -- --stack local --out ${join(tmp, "x.json")}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out writes the JSON plan; add --json/);
  });

  it("the pull-request workflow's artifact, made by its own commands, is accepted by policy:check", () => {
    const wf = parse(readFileSync(join(ROOT, ".github/workflows/pull-request.yml"), "utf8")) as {
      jobs: Record<string, { steps: Array<{ run?: string; uses?: string; with?: { path?: string } }> }>;
    };
    const steps = wf.jobs.policy!.steps;
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact"));
    const artifact = upload?.with?.path;
    expect(artifact).toBe("plan-aws-example.json");
    const commands = steps.map((s) => s.run).filter((c): c is string => c !== undefined && c.includes(artifact!));
    expect(commands.some((c) => c.startsWith("npm run plan") && c.includes("--out"))).toBe(true);
    expect(commands.some((c) => c.startsWith("npm run policy:check"))).toBe(true);
    for (const c of commands) {
      const r = sh(c.replaceAll(artifact!, join(tmp, artifact!)));
      expect(r.status, `${c}\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
    expect(planOf(join(tmp, artifact!)).stack).toBe("aws-example");
  });
});
