import type * as pulumi from "@pulumi/pulumi";
import { planResource, type PlanResource } from "../../infra/plan/capture";
import { runUnderMocks, type HarnessOptions } from "../../infra/plan/harness";

/**
 * The tests' one Pulumi mock harness is the offline plan's (infra/plan/harness.ts): the tests run what
 * they declare exactly as the plan runs the stacks, with options where a suite needs other answers.
 */
export type { DeclaredResource, HarnessOptions, MockAnswer } from "../../infra/plan/harness";
export type { PlanResource } from "../../infra/plan/capture";

/** Runs `body` as a stack's program under the harness; what it returns (often the component it built) is no stack output. */
export function declareAll(body: () => unknown, options: HarnessOptions) {
  return runUnderMocks(async () => {
    await body();
  }, options);
}

/**
 * Declares resources as the offline plan does (its mocks, as a preview) and returns every registration as
 * the plan reports it: type, name, parent, and inputs with secrets masked as "[secret]".
 */
export async function declare(body: () => unknown, options: { stack?: string; config?: Record<string, string> } = {}): Promise<PlanResource[]> {
  const declared = await declareAll(body, { stack: options.stack ?? "test", config: options.config, preview: true });
  return declared.map(planResource);
}

export function ofType<T extends { readonly type: string }>(resources: readonly T[], type: string): T[] {
  return resources.filter((r) => r.type === type);
}

/** The value an Output resolves to (the mocks resolve everything a test reads). */
export function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
