import { planResource, withEngineUrns, type PlanResource } from "./capture";
import { runStackUnderMocks } from "./harness";
import { readStackConfig } from "./stack-config";
import { ConfigError } from "../config";
import { rampart } from "../program";

export type { PlanResource } from "./capture";

export interface PlanViolation {
  policy: string;
  urn?: string;
  message: string;
  level: string;
}

export interface Plan {
  stack: string;
  resources: PlanResource[];
  /** Stack outputs, secrets as "[secret]". */
  outputs: Record<string, unknown>;
  violations: PlanViolation[];
}

export type PolicyEvaluator = (resources: PlanResource[]) => PlanViolation[];

/**
 * Runs the Rampart program for `stack` under Pulumi's mock runtime, the way `pulumi preview` would run
 * it, and returns what it declared. Call once per process: Pulumi's runtime state is process-global.
 */
export async function runPlan(projectDir: string, stack: string, evaluate: PolicyEvaluator): Promise<Plan> {
  const config = readStackConfig(projectDir, stack);
  let declared;
  try {
    declared = await runStackUnderMocks(rampart, { stack, config: config.values, secretKeys: config.secretKeys, preview: true });
  } catch (e) {
    // The stack file's own problems and the program's validation, reported together.
    if (e instanceof ConfigError) throw new ConfigError([...config.problems, ...e.issues]);
    throw e;
  }
  if (config.problems.length) throw new ConfigError(config.problems);
  const resources = withEngineUrns(declared.resources.map(planResource));
  return { stack, resources, outputs: declared.outputs, violations: evaluate(resources) };
}
