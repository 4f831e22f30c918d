import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluatePolicies, type PlanResource } from "@rampart/policies/check/evaluate";

const ROOT = join(__dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const tmp = mkdtempSync(join(tmpdir(), "shipped-plan-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface PlanJson {
  stack: string;
  resources: PlanResource[];
  violations: { policy: string; level: string; message: string }[];
}

/** `npm run plan -- --stack <s> --json`, the program under Pulumi's mock runtime with the stack's config. */
function plan(stack: string): { code: number | null; plan: PlanJson; stderr: string } {
  const r = spawnSync(TSX, ["infra/plan/cli.ts", "--stack", stack, "--json"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  if (r.stdout.trim() === "") throw new Error(`plan for ${stack} printed nothing (exit ${r.status}): ${r.stderr}`);
  return { code: r.status, plan: JSON.parse(r.stdout) as PlanJson, stderr: r.stderr };
}

describe.each(["local", "aws-example"])("the shipped stack %s", { timeout: 180_000 }, (stack) => {
  const run = plan(stack);

  it("plans with zero policy violations and exit 0", () => {
    expect(run.plan.violations, JSON.stringify(run.plan.violations, null, 1)).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
  });

  it("re-evaluated from the plan's resources, still has zero violations (the plan runner used the pack)", () => {
    expect(evaluatePolicies(run.plan.resources).violations).toEqual([]);
  });

  it("passes policy:check on the saved plan file (exit 0)", () => {
    const file = join(tmp, `${stack}.plan.json`);
    writeFileSync(file, JSON.stringify(run.plan));
    const r = spawnSync(TSX, ["policies/check/cli.ts", file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe("the shipped aws-example stack", { timeout: 180_000 }, () => {
  it("gives the rules something to check (security groups, an instance, a VPC and its flow log)", () => {
    const types = new Set(plan("aws-example").plan.resources.map((r) => r.type));
    for (const t of ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/instance:Instance", "aws:ec2/vpc:Vpc", "aws:ec2/flowLog:FlowLog"]) expect(types).toContain(t);
  });
});
