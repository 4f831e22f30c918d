import * as pulumi from "@pulumi/pulumi";

import { SECRET_MASK, UNKNOWN_VALUE } from "@rampart/catalogue";
import type { PlanResource } from "@rampart/policies/check/evaluate";

/** A resource as the plan reports it (docs/policy-checks.md), the shape the policy evaluator reads. Secrets masked. */
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

/** One resource registration as the engine received it, and what the monitor answered. */
export interface DeclaredResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  /**
   * Inputs as Pulumi's mocks receive them: each secret still in its `{ [specialSigKey]: specialSecretSig,
   * value }` envelope, which deserialisation lifts to the enclosing array or object.
   */
  readonly inputs: Record<string, unknown>;
  /** Inputs as the plan shows them: each secret leaf (as the program marked it) replaced by "[secret]". */
  readonly masked: Record<string, unknown>;
  /** Resource options the engine would store with the resource (docs/data-protection.md), when set. */
  readonly protect?: true;
  readonly retainOnDelete?: true;
  /** The id the monitor answered with; unset when the mocks refused the resource. */
  readonly id?: string;
  /** The state the monitor answered with: the outputs the program's Outputs resolved to (secrets in envelopes). */
  readonly outputs?: Record<string, unknown>;
}

/** The plan's view of a declared resource: the masked inputs, and nothing the engine would not show. */
export function planResource(r: DeclaredResource): PlanResource {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: r.parent } : {}),
    ...(r.protect ? { protect: true } : {}),
    ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
    inputs: r.masked,
  };
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * URNs as the Pulumi engine writes them. Pulumi's mock runtime qualifies a type with its direct parent's
 * type only and with the stack's, while the engine qualifies it with every ancestor's type below the
 * stack (`A$B$docker:index/container:Container`). Without this, a plan's URNs would name resources no
 * real stack has, and a plan could not be compared with a `pulumi preview` by URN.
 */
export function withEngineUrns(resources: readonly PlanResource[]): PlanResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const qualified = new Map<string, string>();
  const qualify = (r: PlanResource): string => {
    const known = qualified.get(r.urn);
    if (known !== undefined) return known;
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    const q = !parent || parent.type === STACK_TYPE ? r.type : `${qualify(parent)}$${r.type}`;
    qualified.set(r.urn, q);
    return q;
  };
  const renamed = new Map<string, string>();
  for (const r of resources) {
    if (r.type === STACK_TYPE) continue;
    const prefix = r.urn.slice(0, r.urn.indexOf("::", r.urn.indexOf("::") + 2) + 2);
    renamed.set(r.urn, `${prefix}${qualify(r)}::${r.name}`);
  }
  const rename = (v: unknown): unknown => {
    if (typeof v === "string") return renamed.get(v) ?? v;
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    return v;
  };
  return resources.map((r) => ({
    ...r,
    urn: renamed.get(r.urn) ?? r.urn,
    ...(r.parent ? { parent: renamed.get(r.parent) ?? r.parent } : {}),
    inputs: rename(r.inputs) as Record<string, unknown>,
  }));
}

interface Struct {
  toJavaScript(): Record<string, unknown>;
}

interface Request {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getObject(): Struct | undefined;
}

interface Response {
  getId(): string;
  getObject(): Struct | undefined;
}

interface MockMonitorLike {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: Request, callback: (err: unknown, res?: Response) => void): unknown;
}

export interface Tap {
  /** Stops recording and returns what was recorded, in the order the monitor received it. */
  stop(): DeclaredResource[];
}

type WireStruct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];
const deserialize = (s: Struct | undefined) => (s ? pulumi.runtime.deserializeProperties(s as unknown as WireStruct) : {});

/**
 * Records every resource registration the mock monitor receives: the wire request (with its parent, and
 * secrets marked where the program marked them) and the monitor's answer. Call after setMocks.
 */
export function tapRegistrations(): Tap {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike | undefined;
  if (!monitor || typeof monitor.newUrn !== "function") throw new Error("tapRegistrations: mocks are not set");
  const resources: DeclaredResource[] = [];
  let recording = true;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    if (!recording) return register(req, callback);
    const parent = req.getParent() || undefined;
    const index = resources.length;
    resources.push({
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      ...(parent ? { parent } : {}),
      ...(req.getProtect() ? { protect: true as const } : {}),
      ...(req.getRetainondelete() ? { retainOnDelete: true as const } : {}),
      // The same deserialisation the mock monitor applies before it asks the mocks.
      inputs: deserialize(req.getObject()),
      masked: maskWireValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
    });
    return register(req, (err, res) => {
      if (res) resources[index] = { ...resources[index]!, id: res.getId(), outputs: deserialize(res.getObject()) };
      callback(err, res);
    });
  };
  return {
    stop() {
      recording = false;
      return [...resources];
    },
  };
}
