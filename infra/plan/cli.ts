import { renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { PACK_NAME, PACK_VERSION } from "@rampart/policies/pack";
import { RULES } from "@rampart/policies/rules";
import { ConfigError } from "../config";
import { formatPreview, type PackIdentity } from "./preview";
import { runPlan, type PolicyEvaluator } from "./run";
import { StackNotFoundError } from "./stack-config";

const PACK: PackIdentity = {
  name: PACK_NAME,
  version: PACK_VERSION,
  policies: RULES.length,
  remediation: (policy) => RULES.find((r) => r.name === policy)?.remediationSteps,
};

/** Colour only for a person at a terminal, and never when NO_COLOR is set (https://no-color.org). */
function useColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

const USAGE = "usage: npm run plan -- --stack <name> [--json [--out FILE]] [--project-dir DIR]";

/**
 * Writes the plan JSON to a file, whole or not at all (a temporary file renamed into place). npm prints
 * its script banner on stdout, so `npm run plan -- --json > FILE` is not JSON; `--out FILE` (or
 * `npm run -s plan -- --json > FILE`) is.
 */
function writeAtomically(file: string, text: string): void {
  const tmp = resolve(dirname(file), `.${process.pid}.plan.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * `npm run plan -- --stack <name> [--json [--out FILE]]`: the stack's plan, offline, with the policy verdict.
 * Exit codes: 0 clean, 1 a mandatory policy violation, 2 invalid configuration or usage.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: {
        stack: { type: "string", short: "s" },
        json: { type: "boolean", default: false },
        out: { type: "string", short: "o" },
        // Another checkout or a scratch copy of the project files (Pulumi.yaml + Pulumi.<stack>.yaml).
        "project-dir": { type: "string" },
      }, }).values;
  } catch (e) {
    process.stderr.write(`plan: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!args.stack) {
    process.stderr.write(`plan: --stack is required (e.g. --stack local)\n${USAGE}\n`);
    return 2;
  }
  if (args.out !== undefined && !args.json) {
    process.stderr.write(`plan: --out writes the JSON plan; add --json\n${USAGE}\n`);
    return 2;
  }
  const evaluate: PolicyEvaluator = (resources) => evaluatePolicies(resources).violations;
  try {
    const plan = await runPlan(resolve(args["project-dir"] ?? resolve(__dirname, "..", "..")), args.stack, evaluate);
    if (args.out !== undefined) {
      writeAtomically(resolve(args.out), JSON.stringify(plan, null, 2) + "\n");
      const mandatory = plan.violations.filter((v) => v.level === "mandatory").length;
      process.stderr.write(`plan: wrote ${plan.resources.length} resources and ${plan.violations.length} violation(s) (${mandatory} mandatory) to ${args.out}\n`);
    } else process.stdout.write(args.json ? JSON.stringify(plan, null, 2) + "\n" : formatPreview(plan, PACK, { color: useColor() }));
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
