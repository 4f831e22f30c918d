import type { EdgeHostnames } from "./dns";
import type { BotProduct, ManagedRulesetName, PlanLimits } from "@rampart/catalogue";

/** What the edge planner (rules.ts) takes and gives back. */

export const CUSTOM_ACTIONS = ["block", "managed_challenge", "js_challenge", "challenge", "log", "skip"] as const;
export const RATE_LIMIT_ACTIONS = ["block", "managed_challenge", "js_challenge", "challenge", "log"] as const;

type CustomRuleAction = (typeof CUSTOM_ACTIONS)[number];
export type RateLimitAction = (typeof RATE_LIMIT_ACTIONS)[number];

/** A rule of the http_request_firewall_custom phase, in the shape of the provider's `RulesetRule`. */
export interface CustomRule {
  readonly ref: string;
  readonly description: string;
  readonly expression: string;
  readonly action: CustomRuleAction;
  readonly actionParameters?: { readonly phases?: readonly string[]; readonly ruleset?: string };
  readonly logging?: { readonly enabled: boolean };
  readonly enabled: true;
}

export interface RateLimitThreshold {
  /** Requests per IP (per Cloudflare data centre) allowed in the period. */
  readonly requestsPerPeriod: number;
  readonly periodSeconds: number;
  /** How long the action holds once the rate is exceeded. */
  readonly mitigationTimeoutSeconds: number;
}

/** A rule of the http_ratelimit phase, in the shape of the provider's `RulesetRule`. */
export interface RateLimitRule {
  readonly ref: string;
  readonly description: string;
  readonly expression: string;
  readonly action: RateLimitAction;
  readonly ratelimit: {
    readonly characteristics: readonly string[];
    readonly period: number;
    readonly requestsPerPeriod: number;
    readonly mitigationTimeout: number;
    readonly requestsToOrigin: false;
    readonly countingExpression?: string;
  };
  readonly enabled: true;
}

/** A rule of the http_request_firewall_managed phase that executes one managed ruleset. */
export interface ManagedRule {
  readonly ref: string;
  readonly description: string;
  readonly expression: string;
  readonly action: "execute";
  readonly actionParameters: { readonly id: string };
  readonly enabled: true;
}

/** Extra custom rules an operator adds (the component's own come first). */
export interface ExtraCustomRule {
  readonly ref: string;
  readonly description: string;
  readonly expression: string;
  readonly action: CustomRuleAction;
  readonly actionParameters?: { readonly phases?: readonly string[]; readonly ruleset?: string };
}

export interface ExtraRateLimitRule extends RateLimitThreshold {
  readonly ref: string;
  readonly description: string;
  readonly expression: string;
  readonly action?: RateLimitAction;
  readonly countingExpression?: string;
}

export interface EdgeRulesInput {
  /** Cloudflare plan of the zone: free | pro | business | enterprise. */
  readonly plan: string;
  /** The zone's hostnames; the rules are scoped to the proxied ones (`app`, `livekit`). */
  readonly hostnames: EdgeHostnames;
  /** Exact origins (scheme://host[:port]) allowed to open the gateway WebSocket. */
  readonly allowedOrigins: readonly string[];
  readonly blockedPathPrefixes?: readonly string[];
  readonly allowedMethods?: readonly string[];
  readonly threatScoreThreshold?: number;
  readonly rateLimits?: {
    readonly deviceApi?: Partial<RateLimitThreshold>;
    readonly websocketUpgrade?: Partial<RateLimitThreshold>;
  };
  /** Managed rulesets to execute; default: the Free Managed Ruleset on free, Cloudflare Managed + OWASP above. */
  readonly managedRulesets?: readonly ManagedRulesetName[];
  readonly extraCustomRules?: readonly ExtraCustomRule[];
  readonly extraRateLimitRules?: readonly ExtraRateLimitRule[];
}

/** The planner's input with every default applied: what is checked and what the rules are built from. */
export interface ResolvedEdgeRulesInput extends Required<Omit<EdgeRulesInput, "plan" | "rateLimits">> {
  readonly rateLimits: { readonly deviceApi: RateLimitThreshold; readonly websocketUpgrade: RateLimitThreshold };
}

export type EdgeRulesField = keyof EdgeRulesInput;

/** Something the plan or the input cannot hold, named by the input field it is about. */
export interface EdgeRulesProblem<Field extends EdgeRulesField = EdgeRulesField> {
  readonly key: Field;
  readonly message: string;
}

declare const fittedToPlan: unique symbol;

export interface EdgeRules {
  /** Only planEdgeRules makes EdgeRules, so rules handed to CloudflareEdge always fit the plan. */
  readonly [fittedToPlan]: true;
  readonly limits: PlanLimits;
  /** The hostnames the rules were planned for; CloudflareEdge publishes these, so rules and DNS cannot disagree. */
  readonly hostnames: EdgeHostnames;
  readonly customRules: readonly CustomRule[];
  readonly rateLimitRules: readonly RateLimitRule[];
  readonly managedRules: readonly ManagedRule[];
  readonly bots: BotProduct;
}

export type EdgeRulesPlan<Field extends EdgeRulesField = EdgeRulesField> =
  | { readonly ok: true; readonly rules: EdgeRules }
  | { readonly ok: false; readonly problems: readonly EdgeRulesProblem<Field>[] };
