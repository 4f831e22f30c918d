import { SECRET_MASK } from "@rampart/catalogue";
import { isRecord as isObj } from "../rules/values";
import type { StateResource } from "./evaluate";

/**
 * The three files a user may hand `policy:check`: the offline plan (docs/policy-checks.md), `pulumi preview --json`
 * and `pulumi stack export`. Each is read into the same resource list.
 */
export type Shape = "plan" | "preview" | "export";

export class ShapeError extends Error {}

/**
 * Pulumi's wire-format markers of a secret (`pulumi.runtime.specialSigKey` / `specialSecretSig`), written
 * out so that reading a file does not load the whole SDK; a test holds them equal to the SDK's.
 */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";


/**
 * Secrets in state: decrypted (`--show-secrets`, `plaintext`) ones become their value, as the policy
 * server sees them; encrypted ones become the mask the plan uses ("present but unknown").
 */
export function revealSecrets(v: unknown): unknown {
  return unwrapSecrets(v, true);
}

/** Every secret envelope, decrypted or not, becomes the mask: for anything shown to a person. */
export function maskSecrets(v: unknown): unknown {
  return unwrapSecrets(v, false);
}

function unwrapSecrets(v: unknown, reveal: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => unwrapSecrets(x, reveal));
  if (!isObj(v)) return v;
  if (v[SECRET_SIG_KEY] === SECRET_SIG) {
    if (reveal && typeof v.plaintext === "string") {
      try {
        return unwrapSecrets(JSON.parse(v.plaintext), reveal);
      } catch {
        return SECRET_MASK;
      }
    }
    return SECRET_MASK;
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x, reveal)]));
}

/** The resource name is the URN's last `::` segment. */
export function nameFromUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function propDeps(v: unknown): Record<string, string[]> {
  return isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strings(x)])) : {};
}

function stateResource(s: Record<string, unknown>, where: string): StateResource {
  const urn = s.urn;
  const type = s.type;
  if (typeof urn !== "string" || typeof type !== "string") throw new ShapeError(`${where}: resource without a string urn and type`);
  return {
    urn,
    type,
    name: typeof s.name === "string" ? s.name : nameFromUrn(urn),
    ...(typeof s.parent === "string" && s.parent !== "" ? { parent: s.parent } : {}),
    ...(s.protect === true ? { protect: true } : {}),
    ...(s.retainOnDelete === true ? { retainOnDelete: true } : {}),
    inputs: (revealSecrets(isObj(s.inputs) ? s.inputs : {}) as Record<string, unknown>),
    ...(isObj(s.outputs) ? { outputs: revealSecrets(s.outputs) as Record<string, unknown> } : {}),
    dependencies: strings(s.dependencies),
    propertyDependencies: propDeps(s.propertyDependencies),
  };
}

/** Steps that describe a resource the update keeps or creates (deletions have no new state). */
const GONE = new Set(["delete", "discard", "delete-replaced", "discard-replaced", "remove-pending-replace"]);

export function detectShape(doc: unknown): Shape {
  if (!isObj(doc)) throw new ShapeError("the file is not a JSON object");
  if (isObj(doc.deployment) && Array.isArray(doc.deployment.resources)) return "export";
  if (Array.isArray(doc.steps)) return "preview";
  if (Array.isArray(doc.resources) && doc.resources.every((r) => isObj(r) && typeof r.urn === "string" && typeof r.type === "string" && isObj(r.inputs))) return "plan";
  throw new ShapeError(
    "the file is none of the supported shapes: a plan ({\"resources\":[{urn,type,name,inputs}]} from `npm run plan -- --json`), `pulumi preview --json` ({\"steps\":[...]}) or `pulumi stack export` ({\"deployment\":{\"resources\":[...]}})",
  );
}

export function resourcesOf(doc: unknown): { shape: Shape; resources: StateResource[] } {
  const shape = detectShape(doc);
  const d = doc as Record<string, unknown>;
  switch (shape) {
    case "plan":
      return { shape, resources: (d.resources as Record<string, unknown>[]).map((r, i) => stateResource(r, `resources[${i}]`)) };
    case "preview": {
      const steps = (d.steps as unknown[]).filter(isObj);
      const resources = steps
        .filter((s) => !GONE.has(String(s.op)) && isObj(s.newState))
        .map((s, i) => stateResource(s.newState as Record<string, unknown>, `steps[${i}].newState`));
      return { shape, resources };
    }
    case "export": {
      const rs = ((d.deployment as Record<string, unknown>).resources as unknown[]).filter(isObj);
      return { shape, resources: rs.filter((r) => r.delete !== true).map((r, i) => stateResource(r, `deployment.resources[${i}]`)) };
    }
  }
}
