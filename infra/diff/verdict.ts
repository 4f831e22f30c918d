import { evaluatePolicies, type StateResource, type Violation } from "@rampart/policies/check/evaluate";
import { maskValue } from "./values";

/** The pack's verdict on each side (evaluated afresh, so both sides face the same pack) and what changed. */

export interface VerdictDiff {
  readonly before: { readonly violations: number; readonly mandatory: number };
  readonly after: { readonly violations: number; readonly mandatory: number };
  readonly new: readonly Violation[];
  readonly resolved: readonly Violation[];
  /** New mandatory violations: the change must not merge. */
  readonly blocking: readonly Violation[];
}

function key(v: Violation): string {
  return `${v.policy}\u0000${v.urn ?? ""}\u0000${v.level}\u0000${v.message}`;
}

function count(vs: readonly Violation[]) {
  return { violations: vs.length, mandatory: vs.filter((v) => v.level === "mandatory").length };
}

/** A violation message may quote an input; mask anything secret-shaped in it. */
function shown(v: Violation): Violation {
  return { ...v, message: String(maskValue(v.message)) };
}

export function compareVerdicts(base: StateResource[], head: StateResource[]): VerdictDiff {
  const vb = evaluatePolicies(base).violations;
  const vh = evaluatePolicies(head).violations;
  const kb = new Set(vb.map(key));
  const kh = new Set(vh.map(key));
  const added = vh.filter((v) => !kb.has(key(v))).map(shown);
  return {
    before: count(vb),
    after: count(vh),
    new: added,
    resolved: vb.filter((v) => !kh.has(key(v))).map(shown),
    blocking: added.filter((v) => v.level === "mandatory"),
  };
}
