import * as pulumi from "@pulumi/pulumi";

import { SECRET_MASK, UNKNOWN_VALUE } from "@rampart/catalogue";
import type { PlanResource } from "@rampart/policies/check/evaluate";

/** A resource as the plan reports it (DESIGN §6), the shape the policy evaluator reads. Secrets masked. */
export type { PlanResource };

// Markers of Pulumi's wire format, as the SDK exports them.
const {
  specialSigKey: SPECIAL_SIG,
  specialSecretSig: SECRET_SIG,
  specialResourceSig: RESOURCE_SIG,
  specialOutputValueSig: OUTPUT_SIG,
  unknownValue: UNKNOWN,
} = pulumi.runtime;


/** Turns a serialized property value into plain JSON, masking secrets and naming references by URN. */
export function maskWireValue(v: unknown): unknown {
  if (v === UNKNOWN) return UNKNOWN_VALUE;
  if (Array.isArray(v)) return v.map(maskWireValue);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const sig = o[SPECIAL_SIG];
    if (sig === SECRET_SIG) return SECRET_MASK;
    if (sig === RESOURCE_SIG) return o.urn;
    if (sig === OUTPUT_SIG) return o.secret ? SECRET_MASK : maskWireValue(o.value);
    if (sig !== undefined) return "[asset]";
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, maskWireValue(x)]));
  }
  return v;
}

interface Request {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

interface MockMonitorLike {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: Request, callback: (...args: unknown[]) => void): unknown;
}

/**
 * Records every resource registration as the engine would receive it: with its parent and with secret
 * inputs still marked as secret (the mocks' own view has them unwrapped). Call after setMocks.
 */
export function captureRegistrations(): PlanResource[] {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike | undefined;
  if (!monitor || typeof monitor.newUrn !== "function") throw new Error("captureRegistrations: mocks are not set");
  const resources: PlanResource[] = [];
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const parent = req.getParent() || undefined;
    resources.push({
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      ...(parent ? { parent } : {}),
      inputs: maskWireValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
    });
    return register(req, callback);
  };
  return resources;
}

/**
 * Waits until every resource registration has reached the monitor, as the language host does before it
 * reports a program finished (runInPulumiStack alone returns before outputs-dependent registrations).
 */
export async function waitForRegistrations(): Promise<void> {
  const settings = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof settings.waitForRPCs !== "function") throw new Error("this @pulumi/pulumi has no waitForRPCs");
  await settings.waitForRPCs();
}
