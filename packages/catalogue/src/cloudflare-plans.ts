/**
 * What each Cloudflare plan can hold (data, not code). The component never declares more than this, so an
 * over-the-limit configuration is a config error naming the plan and the limit, not a failed deploy.
 *
 * Sources: Cloudflare WAF docs — custom rules ("Availability"), rate limiting rules ("Availability": rules,
 * fields in the rule expression, counting periods, mitigation timeouts, custom counting expression),
 * managed rules, and the bot_management API's per-plan configuration shapes. Enterprise is taken without
 * add-ons (no Advanced Rate Limiting, no Bot Management): the conservative reading, so a config that passes
 * here deploys on any Enterprise zone.
 */

export const CLOUDFLARE_PLANS = ["free", "pro", "business", "enterprise"] as const;
export type CloudflarePlan = (typeof CLOUDFLARE_PLANS)[number];

/** Managed WAF rulesets Rampart knows how to execute, with Cloudflare's fixed ruleset ids. */
export const MANAGED_RULESETS = {
  free: { id: "77454fe2d30c4220b5701f6fdfb893ba", title: "Cloudflare Free Managed Ruleset" },
  cloudflare: { id: "efb7b8c949ac4650a09736fc376e9aee", title: "Cloudflare Managed Ruleset" },
  owasp: { id: "4814384a9e5d4991b9815dcfc25d2f1f", title: "Cloudflare OWASP Core Ruleset" },
} as const;
export type ManagedRulesetName = keyof typeof MANAGED_RULESETS;

/** How Cloudflare lets a plan fight bots: Bot Fight Mode on Free, Super Bot Fight Mode on paid plans. */
export type BotProduct = "bot-fight-mode" | "super-bot-fight-mode-pro" | "super-bot-fight-mode-business";

export interface PlanLimits {
  readonly plan: CloudflarePlan;
  /** Rules in the zone's http_request_firewall_custom entry point. */
  readonly customRules: number;
  /** Rules in the zone's http_ratelimit entry point. */
  readonly rateLimitRules: number;
  /** The `matches` (regex) operator, in any rule expression. */
  readonly regex: boolean;
  /** Allowed rate-limit counting periods, seconds. */
  readonly rateLimitPeriods: readonly number[];
  /** Allowed rate-limit mitigation timeouts, seconds. */
  readonly mitigationTimeouts: readonly number[];
  /** Fields a rate-limit rule expression may use; `undefined` = any field. */
  readonly rateLimitFields: readonly string[] | undefined;
  /** A counting expression different from the rule expression. */
  readonly countingExpression: boolean;
  readonly managedRulesets: readonly ManagedRulesetName[];
  /** The managed rulesets executed when the configuration names none. */
  readonly defaultManagedRulesets: readonly ManagedRulesetName[];
  readonly bots: BotProduct;
}

const FREE_RATE_LIMIT_FIELDS = [
  "http.request.uri.path",
  "raw.http.request.uri.path",
  "cf.bot_management.verified_bot",
  "cf.verified_bot_category",
];
const PRO_RATE_LIMIT_FIELDS = [
  ...FREE_RATE_LIMIT_FIELDS,
  "http.host",
  "http.request.uri",
  "http.request.full_uri",
  "http.request.uri.query",
  "raw.http.request.uri",
  "raw.http.request.full_uri",
  "raw.http.request.uri.query",
];
const BUSINESS_RATE_LIMIT_FIELDS = [...PRO_RATE_LIMIT_FIELDS, "http.request.method", "ip.src", "http.user_agent"];

export const PLAN_LIMITS: Readonly<Record<CloudflarePlan, PlanLimits>> = {
  free: {
    plan: "free",
    customRules: 5,
    rateLimitRules: 1,
    regex: false,
    rateLimitPeriods: [10],
    mitigationTimeouts: [10],
    rateLimitFields: FREE_RATE_LIMIT_FIELDS,
    countingExpression: false,
    managedRulesets: ["free"],
    defaultManagedRulesets: ["free"],
    bots: "bot-fight-mode",
  },
  pro: {
    plan: "pro",
    customRules: 20,
    rateLimitRules: 2,
    regex: false,
    rateLimitPeriods: [10, 60],
    mitigationTimeouts: [10, 60, 120, 300, 600, 3600],
    rateLimitFields: PRO_RATE_LIMIT_FIELDS,
    countingExpression: false,
    managedRulesets: ["free", "cloudflare", "owasp"],
    defaultManagedRulesets: ["cloudflare", "owasp"],
    bots: "super-bot-fight-mode-pro",
  },
  business: {
    plan: "business",
    customRules: 100,
    rateLimitRules: 5,
    regex: true,
    rateLimitPeriods: [10, 60, 120, 300, 600],
    mitigationTimeouts: [10, 60, 120, 300, 600, 3600, 86400],
    rateLimitFields: BUSINESS_RATE_LIMIT_FIELDS,
    countingExpression: true,
    managedRulesets: ["free", "cloudflare", "owasp"],
    defaultManagedRulesets: ["cloudflare", "owasp"],
    bots: "super-bot-fight-mode-business",
  },
  enterprise: {
    plan: "enterprise",
    customRules: 1000,
    rateLimitRules: 5,
    regex: true,
    rateLimitPeriods: [10, 60, 120, 300, 600, 3600],
    mitigationTimeouts: [10, 60, 120, 300, 600, 3600, 86400],
    rateLimitFields: undefined,
    countingExpression: true,
    managedRulesets: ["free", "cloudflare", "owasp"],
    defaultManagedRulesets: ["cloudflare", "owasp"],
    bots: "super-bot-fight-mode-business",
  },
};

export function isCloudflarePlan(value: unknown): value is CloudflarePlan {
  return typeof value === "string" && (CLOUDFLARE_PLANS as readonly string[]).includes(value);
}

/** With a single rate-limit rule the device API and WebSocket upgrades must be counted by the same rule. */
export function holdsOneRateLimitRule(limits: PlanLimits): boolean {
  return limits.rateLimitRules < 2;
}
