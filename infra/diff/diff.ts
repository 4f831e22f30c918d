import type { StateResource } from "@rampart/policies/check/evaluate";
import { classify, riskRank, CATEGORIES, type Finding, type ShownChange, type ShownResource } from "./classify";
import { compareExposure, exposureSentence, type ExposureRow } from "./exposure";
import { matchResources, type Matched } from "./match";
import { readSide, type Side } from "./read";
import { compareVerdicts, type VerdictDiff } from "./verdict";
import { keyOf, maskValue, valueAt } from "./values";

/** The security review of a change: what the renderers turn into Markdown or JSON. */
export interface DiffReport {
  readonly stack: string;
  readonly base: string;
  readonly head: string;
  readonly summary: {
    readonly create: number;
    readonly update: number;
    readonly delete: number;
    readonly renames: number;
    readonly newExposures: number;
    readonly newViolations: number;
    readonly blocking: number;
    readonly resolvedViolations: number;
  };
  /** "+3 ~2 −1, 1 new exposure, 0 new violations", or "no changes". */
  readonly headline: string;
  /** Ordered by risk (the category of their riskiest finding), then by URN. */
  readonly resources: readonly (ShownResource & { readonly findings: readonly Finding[] })[];
  /** Ordered by category (exposure, privilege, identity, edge, images). */
  readonly findings: readonly Finding[];
  readonly exposure: readonly ExposureRow[];
  readonly verdict: VerdictDiff;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function shownInputs(r: StateResource | undefined): Record<string, unknown> | undefined {
  return r ? (maskValue(r.inputs) as Record<string, unknown>) : undefined;
}

/** Masked values of a change, read from the masked copy (so a secret-marked value is never shown). */
function showMatched(m: Matched, shown: { before: Map<string, StateResource>; after: Map<string, StateResource> }): ShownResource {
  const before = shownInputs(shown.before.get(m.urn));
  const after = shownInputs(shown.after.get(m.urn));
  const changes: ShownChange[] = m.changes.map((c) => ({
    path: c.path,
    before: maskValue(valueAt(before, c.path), keyOf(c.path)),
    after: maskValue(valueAt(after, c.path), keyOf(c.path)),
  }));
  return {
    op: m.op,
    urn: m.urn,
    type: m.type,
    name: m.name,
    ...(m.op !== "create" && before ? { before } : {}),
    ...(m.op !== "delete" && after ? { after } : {}),
    changes,
    ...(m.renamedFrom ? { renamedFrom: m.renamedFrom } : {}),
    ...(m.renamedTo ? { renamedTo: m.renamedTo } : {}),
  };
}

const OP_ORDER = { delete: 0, create: 1, update: 2 } as const;

export function diffSides(base: Side, head: Side): DiffReport {
  const shown = { before: new Map(base.shown.map((r) => [r.urn, r])), after: new Map(head.shown.map((r) => [r.urn, r])) };
  const resources = matchResources(base.resources, head.resources)
    .map((m) => showMatched(m, shown))
    .map((r) => ({ ...r, findings: classify(r) }))
    .sort((a, b) => riskRank(a.findings) - riskRank(b.findings) || OP_ORDER[a.op] - OP_ORDER[b.op] || a.urn.localeCompare(b.urn));
  const exposure = compareExposure(base.resources, head.resources);
  const widened = exposure.filter((r) => r.widened);
  const findings = [
    ...widened.map((r): Finding => ({ category: "exposure", sentence: exposureSentence(r) })),
    ...resources.flatMap((r) => r.findings),
  ].sort((a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category));
  const verdict = compareVerdicts(base.resources, head.resources);
  const n = (op: string) => resources.filter((r) => r.op === op).length;
  const summary = {
    create: n("create"),
    update: n("update"),
    delete: n("delete"),
    renames: resources.filter((r) => r.renamedFrom).length,
    newExposures: widened.length,
    newViolations: verdict.new.length,
    blocking: verdict.blocking.length,
    resolvedViolations: verdict.resolved.length,
  };
  const nothing = resources.length === 0 && verdict.new.length === 0 && verdict.resolved.length === 0;
  const headline = nothing
    ? "no changes"
    : `+${summary.create} ~${summary.update} −${summary.delete}, ${plural(summary.newExposures, "new exposure")}, ${plural(summary.newViolations, "new violation")}` +
      (summary.blocking > 0 ? ` (${summary.blocking} blocking)` : "");
  return { stack: head.stack ?? base.stack ?? "unknown", base: base.label, head: head.label, summary, headline, resources, findings, exposure, verdict };
}

/** Diffs two parsed documents (plan, `pulumi preview --json` or `pulumi stack export`, in any mix). */
export function diffPlans(base: unknown, head: unknown, labels: { base?: string; head?: string } = {}): DiffReport {
  return diffSides(readSide(base, labels.base ?? "base"), readSide(head, labels.head ?? "head"));
}
