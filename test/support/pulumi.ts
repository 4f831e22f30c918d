import * as pulumi from "@pulumi/pulumi";
import { captureRegistrations, waitForRegistrations, type PlanResource } from "../../infra/plan/capture";
import { planMocks } from "../../infra/plan/mocks";

export type { PlanResource } from "../../infra/plan/capture";

/**
 * Declares resources under Pulumi's mock runtime (the offline plan's mocks and invoke fixtures) and
 * returns every registration as the engine would see it: type, name, parent, and inputs with secrets
 * masked as "[secret]".
 */
export async function declare(
  body: () => unknown,
  options: { stack?: string; config?: Record<string, string> } = {},
): Promise<PlanResource[]> {
  pulumi.runtime.setAllConfig(options.config ?? {}, []);
  await pulumi.runtime.setMocks(planMocks(), "rampart", options.stack ?? "test", true);
  const resources = captureRegistrations();
  await pulumi.runtime.runInPulumiStack(async () => {
    await body();
    return {};
  });
  await waitForRegistrations();
  return resources;
}

export function ofType(resources: readonly PlanResource[], type: string): PlanResource[] {
  return resources.filter((r) => r.type === type);
}

/** Resolves an output's value and whether it is secret (mocks resolve everything). */
export async function resolveOutput<T>(o: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
  const value = await new Promise<T>((resolve) => o.apply((v) => resolve(v)));
  const secret = await pulumi.isSecret(o);
  return { value, secret };
}
