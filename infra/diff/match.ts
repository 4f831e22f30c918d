import type { StateResource } from "@rampart/policies/check/evaluate";
import { isObj, type PathSegment } from "./values";

/**
 * Pairs the resources of two sides by URN and lists what changed in each pair's inputs. Order never
 * matters: resources are keyed by URN, object keys compared as sets.
 */

export interface InputChange {
  readonly path: readonly PathSegment[];
  readonly before: unknown;
  readonly after: unknown;
}

export type Op = "create" | "delete" | "update";

export interface Matched {
  readonly op: Op;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | undefined;
  readonly before: StateResource | undefined;
  readonly after: StateResource | undefined;
  /** Changed inputs of an update (raw values: mask before showing them). */
  readonly changes: readonly InputChange[];
  /** A delete + create of the same type under the same parent: the other side's name. */
  readonly renamedFrom?: string;
  readonly renamedTo?: string;
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== "object" && typeof v !== "function");
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Leaf-level differences. Objects recurse by key, lists of objects by index; a list of plain values
 * (capabilities, environment, security options) is one change, shown as what it adds and removes.
 */
export function diffInputs(a: unknown, b: unknown, path: PathSegment[] = []): InputChange[] {
  if (deepEqual(a, b)) return [];
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffInputs(a[k], b[k], [...path, k]));
  }
  if (Array.isArray(a) && Array.isArray(b) && !(a.every(isPrimitive) && b.every(isPrimitive))) {
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) => diffInputs(a[i], b[i], [...path, i])).flat();
  }
  return [{ path, before: a, after: b }];
}

function sameSlot(r: StateResource): string {
  return `${r.type}\u0000${r.parent ?? ""}`;
}

export function matchResources(base: readonly StateResource[], head: readonly StateResource[]): Matched[] {
  const before = new Map(base.map((r) => [r.urn, r]));
  const after = new Map(head.map((r) => [r.urn, r]));
  const out: Matched[] = [];
  const deleted = base.filter((r) => !after.has(r.urn));
  const created = head.filter((r) => !before.has(r.urn));
  // A rename: the only deletion and the only creation of one type under one parent.
  const bySlot = (rs: readonly StateResource[]) => {
    const m = new Map<string, StateResource[]>();
    for (const r of rs) m.set(sameSlot(r), [...(m.get(sameSlot(r)) ?? []), r]);
    return m;
  };
  const delSlots = bySlot(deleted);
  const newSlots = bySlot(created);
  const renamed = new Map<string, string>();
  for (const [slot, ds] of delSlots) {
    const cs = newSlots.get(slot);
    if (ds.length === 1 && cs?.length === 1) {
      renamed.set(ds[0]!.urn, cs[0]!.name);
      renamed.set(cs[0]!.urn, ds[0]!.name);
    }
  }
  for (const r of deleted) {
    const to = renamed.get(r.urn);
    out.push({ op: "delete", urn: r.urn, type: r.type, name: r.name, parent: r.parent, before: r, after: undefined, changes: [], ...(to ? { renamedTo: to } : {}) });
  }
  for (const r of created) {
    const from = renamed.get(r.urn);
    out.push({ op: "create", urn: r.urn, type: r.type, name: r.name, parent: r.parent, before: undefined, after: r, changes: [], ...(from ? { renamedFrom: from } : {}) });
  }
  for (const r of head) {
    const b = before.get(r.urn);
    if (!b) continue;
    const changes = diffInputs(b.inputs, r.inputs);
    if (changes.length > 0) out.push({ op: "update", urn: r.urn, type: r.type, name: r.name, parent: r.parent, before: b, after: r, changes });
  }
  return out;
}
