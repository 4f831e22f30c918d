import type * as PolicySdk from "@pulumi/policy";
import type { EnforcementLevel, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { RULES } from "../rules";
import { PROFILE_POLICY, PROFILE_SCHEMA, profileFromConfig } from "../rules/profile";
import { DEFAULT_PROFILE, profileLevel, type Profile, type ResourceRule, type Rule, type RuleContext, type StackRule } from "../rules/rule";

/**
 * The SDK's index starts by loading its gRPC server and @pulumi/pulumi (seconds on a busy machine); the
 * offline evaluator needs only the proxy module, the very one the served pack's server uses. Its typings
 * are stripped, so the types come from the index.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy/proxy") as Pick<typeof PolicySdk, "unknownCheckingProxy" | "UnknownValueError">;

/**
 * The offline policy server: runs the pack's rule functions over a list of resources exactly as the
 * Pulumi policy server would (same argument shapes, type filtering, config, notApplicable, remediation
 * before validation, unknown values downgraded to advisory), so `npm run plan`, `npm run policy:check`
 * and `pulumi preview --policy-pack policies` reach the same verdict.
 */

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  /** The `protect` resource option, as the engine hands it to a policy pack (`opts.protect`). */
  protect?: boolean;
  /** The `retainOnDelete` resource option: shown in plans, but a policy pack is never told it. */
  retainOnDelete?: boolean;
  inputs: Record<string, unknown>;
}

/** What the richer shapes (`pulumi preview --json`, `pulumi stack export`) add to a plan resource. */
export interface StateResource extends PlanResource {
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export interface Violation {
  policy: string;
  urn?: string;
  message: string;
  level: "mandatory" | "advisory" | "remediate";
}

export interface Remediation {
  policy: string;
  urn: string;
  inputs: Record<string, unknown>;
}

export interface NotApplicable {
  policy: string;
  urn?: string;
  reason: string;
}

export interface Evaluation {
  violations: Violation[];
  remediated: Remediation[];
  notApplicable: NotApplicable[];
}

/** Policy pack config as `pulumi preview --policy-pack-config` takes it: { "<policy>|all": level | { enforcementLevel?, ...props } }. */
export type PackConfig = Record<string, unknown>;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

class NotApplicableError extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "Policy does not apply");
  }
}

function notApplicable(reason?: string): never {
  throw new NotApplicableError(reason);
}

interface PolicySettings {
  level: EnforcementLevel;
  properties: Record<string, unknown>;
  /** The profile leaves the rule out. */
  off?: boolean;
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;
}

/** The profile a pack config selects (`{"profile": {"name": ...}}`), the default when it names none. */
export function profileOf(config: PackConfig = {}): Profile {
  const raw = config[PROFILE_POLICY];
  if (raw === undefined) return DEFAULT_PROFILE;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`policy config "${PROFILE_POLICY}" must be an object such as {"name": "baseline"}`);
  const { enforcementLevel: _level, ...props } = raw as Record<string, unknown>;
  for (const k of Object.keys(props)) if (!(k in PROFILE_SCHEMA.properties)) throw new Error(`policy config "${PROFILE_POLICY}" has unknown property "${k}" (known: name)`);
  return profileFromConfig(props);
}

/**
 * Validates pack config against the rules and their schemas; a bad key is a clear error. A rule's level
 * is what the config says for it, else "all", else its level under the profile ("off" → disabled).
 */
export function resolveConfig(config: PackConfig = {}, rules: readonly Rule[] = RULES, profile: Profile = profileOf(config)): Map<string, PolicySettings> {
  const byName = new Map(rules.map((r) => [r.name, r]));
  const level = (v: unknown, where: string): EnforcementLevel => {
    if (typeof v !== "string" || !LEVELS.includes(v as EnforcementLevel)) throw new Error(`policy config ${where}: enforcement level must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(v)}`);
    return v as EnforcementLevel;
  };
  const all = config.all !== undefined ? level(config.all, '"all"') : undefined;
  for (const key of Object.keys(config)) {
    if (key !== "all" && key !== PROFILE_POLICY && !byName.has(key)) throw new Error(`policy config names unknown policy "${key}" (known: ${[...byName.keys()].join(", ")})`);
  }
  const out = new Map<string, PolicySettings>();
  for (const rule of rules) {
    const raw = config[rule.name];
    const inProfile = profileLevel(rule, profile);
    if (inProfile === "off") {
      out.set(rule.name, { level: "disabled", properties: {}, off: true });
      continue;
    }
    let lvl: EnforcementLevel = all ?? inProfile;
    let properties: Record<string, unknown> = {};
    if (typeof raw === "string") lvl = level(raw, `"${rule.name}"`);
    else if (raw !== undefined) {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`policy config "${rule.name}" must be an enforcement level or an object`);
      const { enforcementLevel, ...props } = raw as Record<string, unknown>;
      if (enforcementLevel !== undefined) lvl = level(enforcementLevel, `"${rule.name}".enforcementLevel`);
      const schema = rule.configSchema?.properties ?? {};
      for (const [k, v] of Object.entries(props)) {
        const s = schema[k] as { type?: string } | undefined;
        if (!s) throw new Error(`policy config "${rule.name}" has unknown property "${k}" (known: ${Object.keys(schema).join(", ") || "none"})`);
        const t = typeName(v);
        if (s.type && s.type !== t && !(s.type === "number" && t === "integer")) throw new Error(`policy config "${rule.name}".${k} must be ${s.type}, got ${t}`);
      }
      properties = props;
    }
    if (lvl === "remediate" && rule.kind === "stack") lvl = "mandatory";
    out.set(rule.name, { level: lvl, properties });
  }
  return out;
}

const DEFAULT_OPTS = (parent?: string, protect = false): PolicyResourceOptions => ({
  protect,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
  ...(parent ? { parent } : {}),
});

function typeChecks(type: string) {
  return {
    isType: (cls: { new (...rest: never[]): unknown }) => (cls as unknown as { __pulumiType?: string }).__pulumiType === type,
  };
}

function resourceArgs(r: PlanResource, props: Record<string, unknown>, settings: PolicySettings): ResourceValidationArgs {
  const proxied = unknownCheckingProxy(props) as Record<string, unknown>;
  const { isType } = typeChecks(r.type);
  return {
    type: r.type,
    props: proxied,
    urn: r.urn,
    name: r.name,
    opts: DEFAULT_OPTS(r.parent, r.protect === true),
    stackTags: new Map(),
    isType: isType as ResourceValidationArgs["isType"],
    asType: ((cls: { new (...rest: never[]): unknown }) => (isType(cls) ? proxied : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => ({ ...settings.properties }) as T,
    notApplicable,
  };
}

/** Runs one rule callback, turning the policy server's special exceptions into results. */
function guarded(policy: string, urn: string | undefined, what: string, result: Evaluation, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof NotApplicableError) result.notApplicable.push({ policy, ...(urn ? { urn } : {}), reason: e.reason ?? "not applicable" });
    else if (e instanceof UnknownValueError) result.violations.push({ policy, ...(urn ? { urn } : {}), level: "advisory", message: `can't run ${what} '${policy}' during preview: ${(e as Error).message}` });
    else throw new Error(`policy '${policy}' failed on ${urn ?? "the stack"}: ${(e as Error).message}`, { cause: e });
  }
}

function collect(rule: ResourceRule, r: PlanResource, props: Record<string, unknown>, settings: PolicySettings, result: Evaluation, ctx: RuleContext): string[] {
  const messages: string[] = [];
  guarded(rule.name, r.urn, "policy", result, () => rule.validateResource(resourceArgs(r, props, settings), (m) => messages.push(m), ctx));
  return messages;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function evaluateResource(r: PlanResource, rules: readonly ResourceRule[], config: Map<string, PolicySettings>, result: Evaluation, ctx: RuleContext): void {
  let props = clone(r.inputs ?? {});
  const applicable = rules.filter((rule) => rule.resourceTypes.includes(r.type));
  // Remediations run first and feed the validations (the engine's order).
  for (const rule of applicable) {
    const settings = config.get(rule.name)!;
    if (settings.level !== "remediate" || !rule.remediateResource) continue;
    const before = props;
    let fixed: Record<string, unknown> | undefined;
    guarded(rule.name, r.urn, "remediation", result, () => {
      fixed = rule.remediateResource!(resourceArgs(r, before, settings));
    });
    if (!fixed) continue;
    for (const message of collect(rule, r, before, settings, { violations: [], remediated: [], notApplicable: [] }, ctx)) {
      result.violations.push({ policy: rule.name, urn: r.urn, level: "remediate", message: `remediated: ${message}` });
    }
    props = clone(fixed);
    result.remediated.push({ policy: rule.name, urn: r.urn, inputs: props });
  }
  for (const rule of applicable) {
    const settings = config.get(rule.name)!;
    if (settings.level === "disabled") continue;
    // A violation left after remediation is reported as mandatory, as the policy server does.
    const level = settings.level === "remediate" ? "mandatory" : settings.level;
    for (const message of collect(rule, r, props, settings, result, ctx)) result.violations.push({ policy: rule.name, urn: r.urn, level, message });
  }
}

function stackResources(resources: readonly StateResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const built = resources.map((r) => {
    const props = unknownCheckingProxy(clone(r.outputs ?? r.inputs ?? {})) as Record<string, unknown>;
    const { isType } = typeChecks(r.type);
    const pr: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: DEFAULT_OPTS(r.parent, r.protect === true),
      dependencies: [],
      propertyDependencies: {},
      isType: isType as PolicyResource["isType"],
      asType: ((cls: { new (...rest: never[]): unknown }) => (isType(cls) ? props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    const pr = built[i]!;
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent) pr.parent = parent;
    pr.dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
    for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) {
      pr.propertyDependencies[k] = v.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
    }
  });
  return built;
}

function evaluateStack(resources: readonly StateResource[], rules: readonly StackRule[], config: Map<string, PolicySettings>, result: Evaluation, ctx: RuleContext): void {
  // Built once: stack rules only read the resources (the policy server hands them the same list too).
  const policyResources = rules.length > 0 ? stackResources(resources) : [];
  for (const rule of rules) {
    const settings = config.get(rule.name)!;
    if (settings.level === "disabled") continue;
    const level = settings.level === "remediate" ? "mandatory" : settings.level;
    const args: StackValidationArgs = {
      resources: policyResources,
      stackTags: new Map(),
      getConfig: <T extends object>() => ({ ...settings.properties }) as T,
      notApplicable,
    };
    guarded(rule.name, undefined, "policy", result, () =>
      rule.validateStack(args, (message, urn) => result.violations.push({ policy: rule.name, ...(urn ? { urn } : {}), level, message }), ctx),
    );
  }
}

export interface EvaluateOptions {
  config?: PackConfig;
  rules?: readonly Rule[];
  /** Overrides the profile the config selects (`policy:check --profile`). */
  profile?: Profile;
}

/** Evaluates the Rampart pack over resources (plan inputs, or state with outputs for stack rules). */
export function evaluatePolicies(resources: PlanResource[], options: EvaluateOptions = {}): Evaluation & { profile: Profile } {
  const rules = options.rules ?? RULES;
  const profile = options.profile ?? profileOf(options.config);
  const config = resolveConfig(options.config, rules, profile);
  const ctx: RuleContext = { profile };
  const result: Evaluation = { violations: [], remediated: [], notApplicable: [] };
  for (const rule of rules) if (config.get(rule.name)?.off) result.notApplicable.push({ policy: rule.name, reason: `not part of the ${profile} profile` });
  const resourceRules = rules.filter((r): r is ResourceRule => r.kind === "resource" && !config.get(r.name)?.off);
  const stackRules = rules.filter((r): r is StackRule => r.kind === "stack" && !config.get(r.name)?.off);
  for (const r of resources) evaluateResource(r, resourceRules, config, result, ctx);
  evaluateStack(resources, stackRules, config, result, ctx);
  return { profile, ...result };
}

export function hasMandatory(violations: readonly Violation[]): boolean {
  return violations.some((v) => v.level === "mandatory");
}
