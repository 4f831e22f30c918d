import * as pulumi from "@pulumi/pulumi";
import { captureRegistrations, waitForRegistrations, type PlanResource } from "./capture";
import { planMocks } from "./mocks";
import { readStackConfig } from "./stack-config";
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
  violations: PlanViolation[];
}

export type PolicyEvaluator = (resources: PlanResource[]) => PlanViolation[];

/**
 * Runs the Rampart program for `stack` under Pulumi's mock runtime, the way `pulumi preview` would run
 * it, and returns what it declared. Call once per process: Pulumi's runtime state is process-global.
 */
export async function runPlan(projectDir: string, stack: string, evaluate: PolicyEvaluator): Promise<Plan> {
  const config = readStackConfig(projectDir, stack);
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  await pulumi.runtime.setMocks(planMocks(), "rampart", stack, true);
  const resources = captureRegistrations();

  // Errors raised inside an apply surface as rejections the engine would report as a failed preview.
  const failures: unknown[] = [];
  const onRejection = (e: unknown) => failures.push(e);
  process.on("unhandledRejection", onRejection);
  try {
    await pulumi.runtime.runInPulumiStack(rampart);
    await waitForRegistrations();
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  if (failures.length) throw failures[0];
  return { stack, resources, violations: evaluate(resources) };
}
