import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = join(__dirname, "..", "..");

describe(".github/workflows/pull-request.yml", () => {
  const wf = parse(readFileSync(join(root, ".github/workflows/pull-request.yml"), "utf8")) as {
    jobs: Record<string, { steps: Array<{ run?: string; uses?: string; with?: Record<string, unknown> }> }>;
  };
  const ci = readFileSync(join(root, ".ci/run"), "utf8");

  it("runs every shipped stack's policy verdict that .ci/run runs", () => {
    const planCommands = ci.split("\n").filter((l) => l.startsWith("npm run plan"));
    expect(planCommands.length).toBeGreaterThan(0);
    const runs = wf.jobs.policy!.steps.map((s) => s.run);
    for (const c of planCommands) expect(runs).toContain(c);
  });

  it("previews with the policy pack in its own workflow; the review is commented by pull-request-comment.yml", () => {
    // The credentialed preview moved out of pull-request.yml, which has no secrets and a read-only token.
    expect(wf.jobs.preview).toBeUndefined();
    const preview = parse(readFileSync(join(root, ".github/workflows/pull-request-preview.yml"), "utf8")) as typeof wf;
    const run = preview.jobs.preview!.steps.map((s) => s.run ?? "").join("\n");
    expect(run).toContain("pulumi preview --stack \"$PULUMI_STACK\" --policy-pack policies --json");
  });
});
