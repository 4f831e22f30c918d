/**
 * Reading objects back from the API server: REST paths found by discovery (not a hand-kept plural table),
 * objects as the policy pack's offline evaluator takes them, and PSA's refusal messages taken apart.
 */
import type { PlanResource } from "@rampart/policies/check/evaluate";
import type { ControlPlane } from "./control-plane";

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; generation?: number; uid?: string };
} & Record<string, unknown>;

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export class Discovery {
  private readonly byGroupVersion = new Map<string, ApiResource[]>();
  constructor(private readonly cp: ControlPlane) {}

  private async resources(apiVersion: string): Promise<ApiResource[]> {
    let found = this.byGroupVersion.get(apiVersion);
    if (!found) {
      const r = await this.cp.api("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      if (r.status !== 200) throw new Error(`discovery of ${apiVersion}: HTTP ${r.status}`);
      found = (r.body.resources as ApiResource[]).filter((x) => !x.name.includes("/"));
      this.byGroupVersion.set(apiVersion, found);
    }
    return found;
  }

  /** The REST path of an object (or, without a name, of its collection). */
  async path(ref: Omit<ObjectRef, "name"> & { name?: string }): Promise<string> {
    const resource = (await this.resources(ref.apiVersion)).find((x) => x.kind === ref.kind);
    if (!resource) throw new Error(`the API server serves no kind ${ref.kind} in ${ref.apiVersion}`);
    const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    const ns = resource.namespaced && ref.namespace ? `/namespaces/${ref.namespace}` : "";
    return `${base}${ns}/${resource.name}${ref.name ? `/${ref.name}` : ""}`;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const r = await this.cp.api("GET", await this.path(ref));
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${ref.kind} ${ref.namespace ?? ""}/${ref.name}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body as KubeObject;
  }

  async list(apiVersion: string, kind: string, namespace?: string): Promise<KubeObject[]> {
    const r = await this.cp.api("GET", await this.path({ apiVersion, kind, ...(namespace ? { namespace } : {}) }));
    if (r.status !== 200) throw new Error(`LIST ${kind} in ${namespace ?? "all namespaces"}: HTTP ${r.status}`);
    return ((r.body.items as KubeObject[]) ?? []).map((o) => ({ ...o, apiVersion, kind }));
  }
}

/** The Pulumi type token of a Kubernetes object (kubernetes:<group or core>/<version>:<Kind>), as the pack filters on. */
export function typeToken(o: { apiVersion: string; kind: string }): string {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
  return `kubernetes:${group}/${version}:${o.kind}`;
}

/** An object read back from the API server as a resource of the offline policy evaluator. */
export function asPlanResource(o: KubeObject): PlanResource {
  const name = o.metadata.namespace ? `${o.metadata.namespace}-${o.metadata.name}` : o.metadata.name;
  return { urn: `urn:pulumi:api-server::rampart::${typeToken(o)}::${name}`, type: typeToken(o), name, inputs: o };
}

/**
 * The checks a PodSecurity refusal (or warning) names: `violates PodSecurity "restricted:latest": a (…), b (…)`
 * gives ["a", "b"]. Parenthesised details may hold commas, so this walks the parentheses.
 */
export function psaChecks(message: string): string[] {
  const m = /(?:violates|violate) PodSecurity "[^"]+": (.*)$/s.exec(message);
  if (!m) return [];
  const checks: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of m[1]!) {
    if (ch === "(") {
      if (depth === 0) checks.push(current.replace(/^[,\s]+/, "").trim());
      depth++;
    } else if (ch === ")") depth--;
    else if (depth === 0) current = ch === "," ? "" : current + ch;
  }
  return checks.filter(Boolean);
}
