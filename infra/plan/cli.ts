import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { ConfigError } from "../config";
import { formatPlanTable } from "./format";
import { runPlan, type PolicyEvaluator } from "./run";
import { StackNotFoundError } from "./stack-config";

/**
 * `npm run plan -- --stack <name> [--json]`: the stack's plan, offline, with the policy verdict.
 * Exit codes: 0 clean, 1 a mandatory policy violation, 2 invalid configuration or usage.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: {
        stack: { type: "string", short: "s" },
        json: { type: "boolean", default: false },
        // Another checkout or a scratch copy of the project files (Pulumi.yaml + Pulumi.<stack>.yaml).
        "project-dir": { type: "string" },
      }, }).values;
  } catch (e) {
    process.stderr.write(`plan: ${(e as Error).message}\nusage: npm run plan -- --stack <name> [--json] [--project-dir DIR]\n`);
    return 2;
  }
  if (!args.stack) {
    process.stderr.write("plan: --stack is required (e.g. --stack local)\nusage: npm run plan -- --stack <name> [--json] [--project-dir DIR]\n");
    return 2;
  }
  const evaluate: PolicyEvaluator = (resources) => evaluatePolicies(resources).violations;
  try {
    const plan = await runPlan(resolve(args["project-dir"] ?? resolve(__dirname, "..", "..")), args.stack, evaluate);
    process.stdout.write(args.json ? JSON.stringify(plan, null, 2) + "\n" : formatPlanTable(plan));
    return plan.violations.some((v) => v.level === "mandatory") ? 1 : 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof StackNotFoundError) {
      process.stderr.write(`plan: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

main().then(
  // Exit only once stdout has drained: a large --json plan written to a pipe would be cut short.
  (code) => {
    process.exitCode = code;
    process.stdout.write("", () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`plan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
    process.stderr.write("", () => process.exit(2));
  },
);
