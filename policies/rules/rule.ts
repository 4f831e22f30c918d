import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  Severity,
  StackValidationArgs,
} from "@pulumi/policy";

/**
 * Which program the pack judges. `rampart` (the default) is Rampart's own stacks: every rule at its
 * declared level, Rampart's architecture (Cloudflare-only origins, the port catalogue) included.
 * `baseline` is any Pulumi program: knowledge that holds everywhere stays, architecture does not.
 */
export const PROFILES = ["rampart", "baseline"] as const;
export type Profile = (typeof PROFILES)[number];
export const DEFAULT_PROFILE: Profile = "rampart";

/** How a rule takes part in a profile: at an enforcement level, or not at all ("off"). */
export type ProfileLevel = "mandatory" | "advisory" | "off";

/** What a rule function knows about the run besides its resource: the profile it judges under. */
export interface RuleContext {
  readonly profile: Profile;
}

/**
 * Where a rule comes from, so a reviewer can look the requirement up. Every value must be in the
 * verified list of policies/rules/anchors.ts (a test refuses any other).
 */
export interface Anchors {
  /** CIS Docker Benchmark or CIS AWS Foundations section. */
  cis?: string;
  /** KICS query: `<name> (<id prefix>)`. */
  kics?: string;
  /** Checkov check id(s). */
  checkov?: string;
  /** Where to read more: a page of docs/ and/or a vendor's public documentation page. */
  guide?: string;
}

interface RuleBase {
  /** Unique policy name, kebab-case: it is what users put in their policy config. */
  name: string;
  description: string;
  severity: Severity;
  /** The level under the `rampart` profile (and the served pack's declared level). */
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
  anchors: Anchors;
  configSchema?: PolicyConfigSchema;
  /**
   * Per-profile behaviour, when it differs from the default (see `profileLevel`): e.g.
   * `{ baseline: "off" }` for a rule that encodes Rampart's architecture.
   */
  profiles?: Partial<Record<Profile, ProfileLevel>>;
}

/**
 * A rule over one resource. `resourceTypes` are provider type tokens; the rule is only ever called
 * for those types (the pack and the offline evaluator both filter on them).
 */
export interface ResourceRule extends RuleBase {
  kind: "resource";
  resourceTypes: readonly string[];
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation, ctx: RuleContext) => void;
  /** Safe automatic fix: returns the fixed inputs, or undefined when nothing needs fixing. */
  remediateResource?: (args: ResourceValidationArgs) => Record<string, unknown> | undefined;
}

/** A rule over the whole stack (something that must exist somewhere, relations between resources). */
export interface StackRule extends RuleBase {
  kind: "stack";
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation, ctx: RuleContext) => void;
}

export type Rule = ResourceRule | StackRule;

function asProfileLevel(level: EnforcementLevel): ProfileLevel {
  if (level === "disabled") return "off";
  return level === "advisory" ? "advisory" : "mandatory";
}

/**
 * A rule's level under a profile: what it declares in `profiles`, else its enforcement level — except
 * that under `baseline` a low-severity rule is advisory (style, not a hole).
 */
export function profileLevel(rule: Pick<Rule, "profiles" | "enforcementLevel" | "severity">, profile: Profile): ProfileLevel {
  const declared = rule.profiles?.[profile];
  if (declared) return declared;
  const level = asProfileLevel(rule.enforcementLevel);
  if (profile === "baseline" && rule.severity === "low" && level === "mandatory") return "advisory";
  return level;
}

export function isProfile(v: unknown): v is Profile {
  return typeof v === "string" && (PROFILES as readonly string[]).includes(v);
}

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
