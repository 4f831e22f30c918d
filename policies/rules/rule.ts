import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  Severity,
  StackValidationArgs,
} from "@pulumi/policy";

/** Where a rule comes from, so a reviewer can look the requirement up. */
export interface Anchors {
  /** CIS Docker Benchmark (v1.6) or CIS AWS Foundations section. */
  cis?: string;
  /** KICS query name/id. */
  kics?: string;
  /** Checkov check id. */
  checkov?: string;
  /** Where to read more: a page of docs/ (with an anchor where useful) and/or a vendor's public documentation. */
  guide?: string;
}

interface RuleBase {
  /** Unique policy name, kebab-case: it is what users put in their policy config. */
  name: string;
  description: string;
  severity: Severity;
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
  anchors: Anchors;
  configSchema?: PolicyConfigSchema;
}

/**
 * A rule over one resource. `resourceTypes` are provider type tokens; the rule is only ever called
 * for those types (the pack and the offline evaluator both filter on them).
 */
export interface ResourceRule extends RuleBase {
  kind: "resource";
  resourceTypes: readonly string[];
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => void;
  /** Safe automatic fix: returns the fixed inputs, or undefined when nothing needs fixing. */
  remediateResource?: (args: ResourceValidationArgs) => Record<string, unknown> | undefined;
}

/** A rule over the whole stack (something that must exist somewhere, relations between resources). */
export interface StackRule extends RuleBase {
  kind: "stack";
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => void;
}

export type Rule = ResourceRule | StackRule;

/** Policy config of a rule merged over its defaults (the CLI hands a rule only what the user set). */
export function configOf<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
  return { ...defaults, ...args.getConfig<Partial<T>>() };
}

/** Footer for remediation text: where to read more. */
export function anchorText(a: Anchors): string {
  return Object.entries(a)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k.toUpperCase()} ${v}`)
    .join("; ");
}
