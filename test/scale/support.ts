import { evaluatePolicies, type PlanResource } from "@rampart/policies/check/evaluate";
import { join } from "node:path";
import { planResource } from "../../infra/plan/capture";
import { runStackUnderMocks, type DeclaredResource } from "../../infra/plan/harness";
import { readStackConfig } from "../../infra/plan/stack-config";
import { rampart } from "../../infra/program";

export const ROOT = join(__dirname, "..", "..");
export const STACK = "aws-scale-example";

export interface ScalePlan {
  /** As the engine sees them: inputs unmasked (what the provider would receive). */
  declared: DeclaredResource[];
  /** As the plan shows them: secrets "[secret]". */
  resources: PlanResource[];
  outputs: Record<string, unknown>;
  violations: ReturnType<typeof evaluatePolicies>["violations"];
}

/**
 * Plans aws-scale with the example stack's config, `overrides` ("rampart:mediaNodeCount" -> "6") merged over
 * it, under the one mock harness. Runs must not overlap (Pulumi's runtime is process-global).
 */
export async function planAwsScale(overrides: Record<string, string> = {}): Promise<ScalePlan> {
  const config = readStackConfig(ROOT, STACK);
  const stack = await runStackUnderMocks(rampart, { stack: STACK, config: { ...config.values, ...overrides }, secretKeys: config.secretKeys, preview: true });
  const resources = stack.resources.map(planResource);
  return { declared: stack.resources, resources, outputs: stack.outputs, violations: evaluatePolicies(resources).violations };
}

export const ofType = <R extends { type: string }>(list: readonly R[], type: string): R[] => list.filter((r) => r.type === type);
export const named = <R extends { type: string; name: string }>(list: readonly R[], type: string, name: string): R => {
  const found = list.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};

/** Pulumi's wire marker of a secret value (sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig). */
const SECRET_SIG = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

/** The value inside a secret as the provider receives it (asserting it IS a secret), recursively. */
export function secretValue(v: unknown): unknown {
  const r = v as Record<string, unknown> | undefined;
  if (!r || r[SECRET_SIG.key] !== SECRET_SIG.value) throw new Error(`not a secret: ${JSON.stringify(v)?.slice(0, 80)}`);
  return unwrap(r.value);
}

function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    const r = v as Record<string, unknown>;
    if (r[SECRET_SIG.key] === SECRET_SIG.value) return unwrap(r.value);
    return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}
