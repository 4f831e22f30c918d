import { isHostname, originProblem } from "@rampart/catalogue";
import type { EdgeHostnames } from "./dns";
import { fieldsOf, usesRegex } from "./expressions";
import { CLOUDFLARE_PLANS, holdsOneRateLimitRule, MANAGED_RULESETS, type ManagedRulesetName, type PlanLimits } from "@rampart/catalogue";
import {
  CUSTOM_ACTIONS,
  type CustomRule,
  type EdgeRulesField,
  type EdgeRulesProblem,
  type ExtraCustomRule,
  type ExtraRateLimitRule,
  RATE_LIMIT_ACTIONS,
  type RateLimitRule,
  type RateLimitThreshold,
  type ResolvedEdgeRulesInput,
} from "./rule-types";

/**
 * What the edge planner refuses. Problems are data, each naming the input field it is about, so config
 * validation can report every one against its own stack key; anything the plan cannot hold names the plan
 * and the limit.
 */

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PURGE"];

const about =
  (key: EdgeRulesField) =>
  (message: string): EdgeRulesProblem => ({ key, message });

const refusedIf = (refused: boolean, message: () => string): string[] => (refused ? [message()] : []);

export function unknownPlanProblem(plan: string): EdgeRulesProblem {
  return { key: "plan", message: `cloudflare plan "${plan}" is unknown (expected one of: ${CLOUDFLARE_PLANS.join(", ")})` };
}

/** Problems of the input itself, found before any rule is built from it. */
export function inputProblems(limits: PlanLimits, input: ResolvedEdgeRulesInput): EdgeRulesProblem[] {
  return [
    ...hostnameProblems(input.hostnames).map(about("hostnames")),
    ...originProblems(input.allowedOrigins).map(about("allowedOrigins")),
    ...pathPrefixProblems(input.blockedPathPrefixes).map(about("blockedPathPrefixes")),
    ...methodProblems(input.allowedMethods).map(about("allowedMethods")),
    ...threatScoreProblems(input.threatScoreThreshold).map(about("threatScoreThreshold")),
    ...input.extraCustomRules.flatMap(extraCustomRuleProblems).map(about("extraCustomRules")),
    ...rateLimitProblems(limits, input.rateLimits).map(about("rateLimits")),
    ...input.extraRateLimitRules.flatMap(extraRateLimitRuleProblems).map(about("extraRateLimitRules")),
    ...managedRulesetProblems(limits, input.managedRulesets).map(about("managedRulesets")),
  ];
}

/** Problems of the built rules: what the plan cannot hold. */
export function planFitProblems(
  limits: PlanLimits,
  customRules: readonly CustomRule[],
  rateLimitRules: readonly RateLimitRule[],
): EdgeRulesProblem[] {
  return [
    ...duplicateRefProblems(customRules, rateLimitRules),
    ...customRulesFitProblems(limits, customRules).map(about("plan")),
    ...rateLimitRulesFitProblems(limits, rateLimitRules).map(about("plan")),
  ];
}

function managedRulesetProblems(limits: PlanLimits, names: readonly ManagedRulesetName[]): string[] {
  if (names.length === 0) {
    return ["managedRulesets: at least one managed ruleset must run (the WAF's managed protection cannot be switched off here)"];
  }
  return [...new Set(names)].flatMap((name) => {
    const ruleset = MANAGED_RULESETS[name];
    if (!ruleset) return [`managedRulesets: unknown managed ruleset "${name}" (expected one of: ${Object.keys(MANAGED_RULESETS).join(", ")})`];
    return refusedIf(
      !limits.managedRulesets.includes(name),
      () =>
        `cloudflare plan "${limits.plan}" does not include the ${ruleset.title} (it allows: ${limits.managedRulesets
          .map((n) => MANAGED_RULESETS[n].title)
          .join(", ")}); the full managed rulesets need Pro or above`,
    );
  });
}

function extraCustomRuleProblems(extra: ExtraCustomRule): string[] {
  return extraRuleProblems(`extraCustomRules "${extra.ref}"`, extra, CUSTOM_ACTIONS);
}

function extraRateLimitRuleProblems(extra: ExtraRateLimitRule): string[] {
  const where = `extraRateLimitRules "${extra.ref}"`;
  return [
    ...extraRuleProblems(where, extra, RATE_LIMIT_ACTIONS),
    ...(extra.countingExpression === undefined ? [] : expressionProblems(where, extra.countingExpression)),
    ...thresholdProblems(where, extra),
  ];
}

/** What an operator's rule of either phase needs: a usable ref, an expression, and an action the phase knows. */
function extraRuleProblems(
  where: string,
  extra: { readonly ref: string; readonly expression: string; readonly action?: string },
  actions: readonly string[],
): string[] {
  return [
    ...refProblems(where, extra.ref),
    ...expressionProblems(where, extra.expression),
    ...refusedIf(
      extra.action !== undefined && !actions.includes(extra.action),
      () => `${where}: action "${extra.action}" is not one of ${actions.join(", ")}`,
    ),
  ];
}

function rateLimitProblems(limits: PlanLimits, { deviceApi, websocketUpgrade }: ResolvedEdgeRulesInput["rateLimits"]): string[] {
  return [
    ...thresholdProblems("rateLimits.deviceApi", deviceApi),
    ...thresholdProblems("rateLimits.websocketUpgrade", websocketUpgrade),
    // The plan's one rule counts both entry points together, so they cannot have different windows.
    ...refusedIf(
      holdsOneRateLimitRule(limits) &&
        (deviceApi.periodSeconds !== websocketUpgrade.periodSeconds || deviceApi.mitigationTimeoutSeconds !== websocketUpgrade.mitigationTimeoutSeconds),
      () =>
        `cloudflare plan "${limits.plan}" allows ${limits.rateLimitRules} rate-limit rule, so the device API and WebSocket ` +
        `upgrade limits share one rule and need the same period and mitigation timeout ` +
        `(deviceApi: ${deviceApi.periodSeconds} s/${deviceApi.mitigationTimeoutSeconds} s, websocketUpgrade: ${websocketUpgrade.periodSeconds} s/${websocketUpgrade.mitigationTimeoutSeconds} s)`,
    ),
  ];
}

function customRulesFitProblems(limits: PlanLimits, rules: readonly CustomRule[]): string[] {
  return [
    ...refusedIf(
      rules.length > limits.customRules,
      () =>
        `cloudflare plan "${limits.plan}" allows ${limits.customRules} custom rules; this configuration needs ${rules.length} ` +
        `(${rules.map((r) => r.ref).join(", ")})`,
    ),
    ...rules.flatMap((rule) => regexProblems(limits, `custom rule "${rule.ref}"`, rule.expression)),
  ];
}

function rateLimitRulesFitProblems(limits: PlanLimits, rules: readonly RateLimitRule[]): string[] {
  return [
    ...refusedIf(
      rules.length > limits.rateLimitRules,
      () =>
        `cloudflare plan "${limits.plan}" allows ${limits.rateLimitRules} rate-limit rule${limits.rateLimitRules === 1 ? "" : "s"}; ` +
        `this configuration needs ${rules.length} (${rules.map((r) => r.ref).join(", ")})`,
    ),
    ...rules.flatMap((rule) => rateLimitRuleFitProblems(limits, rule)),
  ];
}

function rateLimitRuleFitProblems(limits: PlanLimits, rule: RateLimitRule): string[] {
  const where = `rate-limit rule "${rule.ref}"`;
  const { period, mitigationTimeout, countingExpression } = rule.ratelimit;
  const expressions = [
    { expression: rule.expression, counting: false },
    ...(countingExpression === undefined ? [] : [{ expression: countingExpression, counting: true }]),
  ];
  return [
    ...refusedIf(
      !limits.rateLimitPeriods.includes(period),
      () => `cloudflare plan "${limits.plan}" allows rate-limit periods of ${seconds(limits.rateLimitPeriods)}; ${where} asks for ${period} s`,
    ),
    ...refusedIf(
      !limits.mitigationTimeouts.includes(mitigationTimeout),
      () =>
        `cloudflare plan "${limits.plan}" allows mitigation timeouts of ${seconds(limits.mitigationTimeouts)}; ${where} asks for ${mitigationTimeout} s`,
    ),
    ...refusedIf(
      countingExpression !== undefined && !limits.countingExpression,
      () => `cloudflare plan "${limits.plan}" does not allow a custom counting expression (Business and above); ${where} sets one`,
    ),
    ...expressions.flatMap(({ expression, counting }) => [
      ...regexProblems(limits, where, expression),
      ...rateLimitFieldProblems(limits, where, expression, counting),
    ]),
  ];
}

function rateLimitFieldProblems(limits: PlanLimits, where: string, expression: string, counting: boolean): string[] {
  const allowed = limits.rateLimitFields;
  // A counting expression may also read the response (e.g. count only 401s), which the rule expression cannot.
  const permitted = (f: string) => allowed === undefined || allowed.includes(f) || (counting && f.startsWith("http.response."));
  const disallowed = fieldsOf(expression).filter((f) => !permitted(f));
  return refusedIf(
    disallowed.length > 0,
    () =>
      `cloudflare plan "${limits.plan}" allows only these fields in rate-limit expressions: ${allowed!.join(", ")}; ` +
      `${where} uses ${disallowed.join(", ")}`,
  );
}

function regexProblems(limits: PlanLimits, where: string, expression: string): string[] {
  return refusedIf(
    !limits.regex && usesRegex(expression),
    () => `cloudflare plan "${limits.plan}" does not allow regular expressions (the "matches" operator needs Business or Enterprise); ${where} uses one`,
  );
}

function duplicateRefProblems(customRules: readonly CustomRule[], rateLimitRules: readonly RateLimitRule[]): EdgeRulesProblem[] {
  const seen = new Set<string>();
  const problems: EdgeRulesProblem[] = [];
  // Built-in rules come first and never share a ref, so a ref seen again always belongs to an operator's extra rule.
  for (const [key, rules] of [["extraCustomRules", customRules], ["extraRateLimitRules", rateLimitRules]] as const) {
    for (const { ref } of rules) {
      if (seen.has(ref)) problems.push({ key, message: `rule ref "${ref}" is used twice; every rule needs its own ref` });
      seen.add(ref);
    }
  }
  return problems;
}

function hostnameProblems(hostnames: EdgeHostnames): string[] {
  return Object.entries(hostnames)
    .filter(([, name]) => name !== undefined && !isHostname(name))
    .map(([role, name]) => `hostnames.${role}: "${name}" is not a fully qualified hostname`);
}


/** Every origin the WAF would compare as a string must be exact and https (the edge serves nothing else). */
function originProblems(origins: readonly string[]): string[] {
  if (origins.length === 0) return ["allowedOrigins: at least one origin is needed, or no browser could open the WebSocket"];
  return origins.flatMap((origin) => {
    const problem = originProblem(origin, { loopbackHttp: false });
    return problem ? [`allowedOrigins: "${origin}" ${problem}`] : [];
  });
}

function pathPrefixProblems(prefixes: readonly string[]): string[] {
  if (prefixes.length === 0) return ["blockedPathPrefixes: at least one path is needed (metrics and admin paths must stay blocked)"];
  return prefixes
    .filter((p) => !/^\/[A-Za-z0-9._~\-/]+$/.test(p))
    .map((p) => `blockedPathPrefixes: "${p}" is not a path prefix (expected /segment…)`);
}

function methodProblems(methods: readonly string[]): string[] {
  if (methods.length === 0) return ["allowedMethods: at least one method is needed"];
  return methods
    .filter((m) => !HTTP_METHODS.includes(m))
    .map((m) => `allowedMethods: "${m}" is not an HTTP method (expected one of ${HTTP_METHODS.join(", ")})`);
}

function threatScoreProblems(score: number): string[] {
  return refusedIf(!Number.isInteger(score) || score < 0 || score > 100, () => `threatScoreThreshold: ${score} is not an integer between 0 and 100`);
}

function thresholdProblems(where: string, t: RateLimitThreshold): string[] {
  return (["requestsPerPeriod", "periodSeconds", "mitigationTimeoutSeconds"] as const)
    .filter((key) => !Number.isInteger(t[key]) || t[key] <= 0)
    .map((key) => `${where}: ${key} must be a positive integer (got ${String(t[key])})`);
}

function refProblems(where: string, ref: string): string[] {
  return refusedIf(!/^[a-z0-9_]{1,64}$/.test(ref), () => `${where}: ref must be 1-64 of [a-z0-9_]`);
}

function expressionProblems(where: string, expression: string): string[] {
  return refusedIf(expression.trim() === "", () => `${where}: expression is empty`);
}

function seconds(values: readonly number[]): string {
  return values.map((v) => `${v} s`).join(", ");
}
