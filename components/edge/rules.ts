import { fieldsOf, literal, literalSet, usesRegex } from "./expressions";
import { MANAGED_RULESETS, type ManagedRulesetName, type PlanLimits, planLimits, type BotProduct } from "./plans";

/**
 * The WAF, rate-limit and managed rules for a zone, computed for its Cloudflare plan. Pure: no Pulumi
 * resources, so config validation can call it and fail before anything is declared; CloudflareEdge calls
 * the same function. Anything the plan cannot hold is an error naming the plan and the limit.
 */

/** Paths of the gateway contract (DESIGN §5) and LiveKit's signalling endpoint. */
export const GATEWAY_WS_PATH = "/ws";
export const DEVICE_API_PREFIX = "/v1/devices/";
export const LIVEKIT_SIGNAL_PREFIX = "/rtc";

/**
 * Paths that must never be reachable from the internet (metrics, admin UIs, LiveKit's server API which
 * only the gateway calls, inside the VPC). Matched lower-cased as prefixes, so `/Metrics` and `/metrics.json`
 * are caught too.
 */
export const DEFAULT_BLOCKED_PATH_PREFIXES: readonly string[] = [
  "/metrics",
  "/admin",
  "/debug",
  "/server-status",
  "/nginx_status",
  "/twirp",
];

/** Methods the services use: WebSocket upgrades and health checks (GET/HEAD), the device API (POST), CORS (OPTIONS). */
export const DEFAULT_ALLOWED_METHODS: readonly string[] = ["GET", "HEAD", "POST", "OPTIONS"];

/** Cloudflare threat scores above this are challenged (the "high" security level uses 0, "medium" 14). */
export const DEFAULT_THREAT_SCORE_THRESHOLD = 10;

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PURGE"];
const CUSTOM_ACTIONS = ["block", "managed_challenge", "js_challenge", "challenge", "log", "skip"] as const;
const RATE_LIMIT_ACTIONS = ["block", "managed_challenge", "js_challenge", "challenge", "log"] as const;
/** Cloudflare requires the data-centre id among the counting characteristics of zone rate limits. */
const COLO = "cf.colo.id";

export type CustomRuleAction = (typeof CUSTOM_ACTIONS)[number];
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
  /** Proxied hostnames: the gateway (`app`) and LiveKit signalling (`livekit`). */
  readonly hostnames: { readonly app: string; readonly livekit: string };
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

export interface EdgeRules {
  readonly limits: PlanLimits;
  readonly customRules: readonly CustomRule[];
  readonly rateLimitRules: readonly RateLimitRule[];
  readonly managedRules: readonly ManagedRule[];
  readonly bots: BotProduct;
}

/** Computes the rules for the plan; throws naming the plan and the limit when the configuration exceeds it. */
export function planEdgeRules(input: EdgeRulesInput): EdgeRules {
  const limits = planLimits(input.plan);
  const hosts = checkHostnames(input.hostnames);
  const origins = checkOrigins(input.allowedOrigins);
  const blocked = checkPathPrefixes(input.blockedPathPrefixes ?? DEFAULT_BLOCKED_PATH_PREFIXES);
  const methods = checkMethods(input.allowedMethods ?? DEFAULT_ALLOWED_METHODS);
  const threshold = checkThreatScore(input.threatScoreThreshold ?? DEFAULT_THREAT_SCORE_THRESHOLD);

  const customRules = [
    ...builtInCustomRules(limits, hosts, origins, blocked, methods, threshold),
    ...(input.extraCustomRules ?? []).map(checkExtraCustomRule),
  ];
  const rateLimitRules = [
    ...builtInRateLimitRules(limits, hosts, input.rateLimits ?? {}),
    ...(input.extraRateLimitRules ?? []).map(extraRateLimitRule),
  ];
  const managedRules = managedRulesFor(limits, input.managedRulesets ?? limits.defaultManagedRulesets);

  checkUniqueRefs([...customRules, ...rateLimitRules]);
  checkCustomRulesFit(limits, customRules);
  checkRateLimitRulesFit(limits, rateLimitRules);
  return { limits, customRules, rateLimitRules, managedRules, bots: limits.bots };
}

function builtInCustomRules(
  limits: PlanLimits,
  hosts: { app: string; livekit: string },
  origins: readonly string[],
  blockedPrefixes: readonly string[],
  methods: readonly string[],
  threatScore: number,
): CustomRule[] {
  // Scoped to Rampart's hostnames: the zone may serve other sites these rules know nothing about.
  const ours = `http.host in ${literalSet([hosts.app, hosts.livekit])}`;
  const path = "lower(http.request.uri.path)";
  const deviceApi = `starts_with(http.request.uri.path, ${literal(DEVICE_API_PREFIX)})`;
  const rules: CustomRule[] = [
    {
      ref: "block_admin_paths",
      description: "Metrics, admin and server-API paths are never served to the internet",
      expression: `${ours} and (${blockedPrefixes.map((p) => `starts_with(${path}, ${literal(p.toLowerCase())})`).join(" or ")})`,
      action: "block",
      enabled: true,
    },
    {
      ref: "allow_only_service_methods",
      description: `Only the methods the services use: ${methods.join(", ")}`,
      expression: `${ours} and not http.request.method in ${literalSet(methods)}`,
      action: "block",
      enabled: true,
    },
    {
      // Device clients are machines that cannot solve a challenge; they are HMAC-authenticated and rate-limited instead.
      ref: "challenge_high_threat_score",
      description: `Managed challenge for Cloudflare threat scores above ${threatScore} (device API excepted)`,
      expression: `${ours} and cf.threat_score gt ${threatScore} and not ${deviceApi}`,
      action: "managed_challenge",
      enabled: true,
    },
    {
      // Same rule as the gateway's 403 before upgrade (DESIGN §5), enforced at the edge so foreign pages never reach the origin.
      ref: "refuse_foreign_websocket_origin",
      description: "WebSocket upgrades to /ws need an exactly allowed Origin",
      expression:
        `http.host eq ${literal(hosts.app)} and starts_with(${path}, ${literal(GATEWAY_WS_PATH)}) ` +
        `and not any(http.request.headers["origin"][*] in ${literalSet(origins)})`,
      action: "block",
      enabled: true,
    },
  ];
  if (limits.bots !== "bot-fight-mode") {
    // Super Bot Fight Mode would block the device API's legitimate bots; Bot Fight Mode (free) cannot be skipped.
    rules.push({
      ref: "device_api_skips_super_bot_fight_mode",
      description: "HMAC-signed device API calls skip Super Bot Fight Mode (they are bots by design)",
      expression: `http.host eq ${literal(hosts.app)} and http.request.method eq "POST" and ${deviceApi}`,
      action: "skip",
      actionParameters: { phases: ["http_request_sbfm"] },
      logging: { enabled: true },
      enabled: true,
    });
  }
  return rules;
}

const DEFAULT_DEVICE_API_REQUESTS = 30;
const DEFAULT_WEBSOCKET_UPGRADE_REQUESTS = 20;

function builtInRateLimitRules(
  limits: PlanLimits,
  hosts: { app: string; livekit: string },
  overrides: NonNullable<EdgeRulesInput["rateLimits"]>,
): RateLimitRule[] {
  const defaults = (requestsPerPeriod: number): RateLimitThreshold => ({
    requestsPerPeriod,
    periodSeconds: 10,
    mitigationTimeoutSeconds: limits.mitigationTimeouts.includes(60) ? 60 : limits.mitigationTimeouts[0]!,
  });
  const device = checkThreshold("rateLimits.deviceApi", { ...defaults(DEFAULT_DEVICE_API_REQUESTS), ...overrides.deviceApi });
  const upgrade = checkThreshold("rateLimits.websocketUpgrade", {
    ...defaults(DEFAULT_WEBSOCKET_UPGRADE_REQUESTS),
    ...overrides.websocketUpgrade,
  });

  const devicePath = `starts_with(http.request.uri.path, ${literal(DEVICE_API_PREFIX)})`;
  const wsPath = `http.request.uri.path eq ${literal(GATEWAY_WS_PATH)}`;
  const rtcPath = `starts_with(http.request.uri.path, ${literal(LIVEKIT_SIGNAL_PREFIX)})`;

  if (limits.rateLimitRules < 2) {
    // One rule is all the plan holds, and its expression may only use the path: count both entry points together.
    if (device.periodSeconds !== upgrade.periodSeconds || device.mitigationTimeoutSeconds !== upgrade.mitigationTimeoutSeconds) {
      throw new Error(
        `cloudflare plan "${limits.plan}" allows ${limits.rateLimitRules} rate-limit rule, so the device API and WebSocket ` +
          `upgrade limits share one rule and need the same period and mitigation timeout ` +
          `(deviceApi: ${device.periodSeconds} s/${device.mitigationTimeoutSeconds} s, websocketUpgrade: ${upgrade.periodSeconds} s/${upgrade.mitigationTimeoutSeconds} s)`,
      );
    }
    return [
      rateLimitRule(
        "rate_limit_gateway",
        "Device API and WebSocket upgrades, per IP (one rule: the plan's only rate-limit rule)",
        `${devicePath} or ${wsPath} or ${rtcPath}`,
        { ...device, requestsPerPeriod: device.requestsPerPeriod + upgrade.requestsPerPeriod },
      ),
    ];
  }
  return [
    rateLimitRule(
      "rate_limit_device_api",
      "Device API requests per IP",
      `http.host eq ${literal(hosts.app)} and ${devicePath}`,
      device,
    ),
    rateLimitRule(
      "rate_limit_websocket_upgrade",
      "WebSocket upgrades (gateway /ws, LiveKit /rtc) per IP",
      `(http.host eq ${literal(hosts.app)} and ${wsPath}) or (http.host eq ${literal(hosts.livekit)} and ${rtcPath})`,
      upgrade,
    ),
  ];
}

function rateLimitRule(
  ref: string,
  description: string,
  expression: string,
  t: RateLimitThreshold,
  action: RateLimitAction = "block",
  countingExpression?: string,
): RateLimitRule {
  return {
    ref,
    description,
    expression,
    action,
    ratelimit: {
      characteristics: [COLO, "ip.src"],
      period: t.periodSeconds,
      requestsPerPeriod: t.requestsPerPeriod,
      mitigationTimeout: t.mitigationTimeoutSeconds,
      requestsToOrigin: false,
      ...(countingExpression === undefined ? {} : { countingExpression }),
    },
    enabled: true,
  };
}

function extraRateLimitRule(extra: ExtraRateLimitRule): RateLimitRule {
  const where = `extraRateLimitRules "${extra.ref}"`;
  checkRef(where, extra.ref);
  checkExpression(where, extra.expression);
  const action = extra.action ?? "block";
  if (!(RATE_LIMIT_ACTIONS as readonly string[]).includes(action)) {
    throw new Error(`${where}: action "${action}" is not one of ${RATE_LIMIT_ACTIONS.join(", ")}`);
  }
  if (extra.countingExpression !== undefined) checkExpression(where, extra.countingExpression);
  return rateLimitRule(extra.ref, extra.description, extra.expression, checkThreshold(where, extra), action, extra.countingExpression);
}

function checkExtraCustomRule(extra: ExtraCustomRule): CustomRule {
  const where = `extraCustomRules "${extra.ref}"`;
  checkRef(where, extra.ref);
  checkExpression(where, extra.expression);
  if (!(CUSTOM_ACTIONS as readonly string[]).includes(extra.action)) {
    throw new Error(`${where}: action "${extra.action}" is not one of ${CUSTOM_ACTIONS.join(", ")}`);
  }
  return {
    ref: extra.ref,
    description: extra.description,
    expression: extra.expression,
    action: extra.action,
    ...(extra.actionParameters ? { actionParameters: extra.actionParameters } : {}),
    enabled: true,
  };
}

function managedRulesFor(limits: PlanLimits, names: readonly ManagedRulesetName[]): ManagedRule[] {
  if (names.length === 0) {
    throw new Error("managedRulesets: at least one managed ruleset must run (the WAF's managed protection cannot be switched off here)");
  }
  return [...new Set(names)].map((name) => {
    const ruleset = MANAGED_RULESETS[name];
    if (!ruleset) throw new Error(`managedRulesets: unknown managed ruleset "${name}" (expected one of: ${Object.keys(MANAGED_RULESETS).join(", ")})`);
    if (!limits.managedRulesets.includes(name)) {
      throw new Error(
        `cloudflare plan "${limits.plan}" does not include the ${ruleset.title} (it allows: ${limits.managedRulesets
          .map((n) => MANAGED_RULESETS[n].title)
          .join(", ")}); the full managed rulesets need Pro or above`,
      );
    }
    return {
      ref: `execute_${name}_managed_ruleset`,
      description: `Execute the ${ruleset.title}`,
      expression: "true",
      action: "execute" as const,
      actionParameters: { id: ruleset.id },
      enabled: true as const,
    };
  });
}

function checkCustomRulesFit(limits: PlanLimits, rules: readonly CustomRule[]): void {
  if (rules.length > limits.customRules) {
    throw new Error(
      `cloudflare plan "${limits.plan}" allows ${limits.customRules} custom rules; this configuration needs ${rules.length} ` +
        `(${rules.map((r) => r.ref).join(", ")})`,
    );
  }
  for (const rule of rules) checkRegexAllowed(limits, `custom rule "${rule.ref}"`, rule.expression);
}

function checkRateLimitRulesFit(limits: PlanLimits, rules: readonly RateLimitRule[]): void {
  if (rules.length > limits.rateLimitRules) {
    throw new Error(
      `cloudflare plan "${limits.plan}" allows ${limits.rateLimitRules} rate-limit rule${limits.rateLimitRules === 1 ? "" : "s"}; ` +
        `this configuration needs ${rules.length} (${rules.map((r) => r.ref).join(", ")})`,
    );
  }
  for (const rule of rules) {
    const where = `rate-limit rule "${rule.ref}"`;
    const { period, mitigationTimeout, countingExpression } = rule.ratelimit;
    if (!limits.rateLimitPeriods.includes(period)) {
      throw new Error(
        `cloudflare plan "${limits.plan}" allows rate-limit periods of ${seconds(limits.rateLimitPeriods)}; ${where} asks for ${period} s`,
      );
    }
    if (!limits.mitigationTimeouts.includes(mitigationTimeout)) {
      throw new Error(
        `cloudflare plan "${limits.plan}" allows mitigation timeouts of ${seconds(limits.mitigationTimeouts)}; ${where} asks for ${mitigationTimeout} s`,
      );
    }
    if (countingExpression !== undefined && !limits.countingExpression) {
      throw new Error(`cloudflare plan "${limits.plan}" does not allow a custom counting expression (Business and above); ${where} sets one`);
    }
    const expressions = [
      { expression: rule.expression, counting: false },
      ...(countingExpression === undefined ? [] : [{ expression: countingExpression, counting: true }]),
    ];
    for (const { expression, counting } of expressions) {
      checkRegexAllowed(limits, where, expression);
      const allowed = limits.rateLimitFields;
      // A counting expression may also read the response (e.g. count only 401s), which the rule expression cannot.
      const permitted = (f: string) => allowed === undefined || allowed.includes(f) || (counting && f.startsWith("http.response."));
      const disallowed = fieldsOf(expression).filter((f) => !permitted(f));
      if (disallowed.length > 0) {
        throw new Error(
          `cloudflare plan "${limits.plan}" allows only these fields in rate-limit expressions: ${allowed!.join(", ")}; ` +
            `${where} uses ${disallowed.join(", ")}`,
        );
      }
    }
  }
}

function checkRegexAllowed(limits: PlanLimits, where: string, expression: string): void {
  if (!limits.regex && usesRegex(expression)) {
    throw new Error(
      `cloudflare plan "${limits.plan}" does not allow regular expressions (the "matches" operator needs Business or Enterprise); ${where} uses one`,
    );
  }
}

function checkUniqueRefs(rules: readonly { ref: string }[]): void {
  const seen = new Set<string>();
  for (const { ref } of rules) {
    if (seen.has(ref)) throw new Error(`rule ref "${ref}" is used twice; every rule needs its own ref`);
    seen.add(ref);
  }
}

function checkHostnames(hostnames: EdgeRulesInput["hostnames"]): { app: string; livekit: string } {
  for (const [role, name] of Object.entries(hostnames)) {
    if (!isHostname(name)) throw new Error(`hostnames.${role}: "${name}" is not a fully qualified hostname`);
  }
  return { app: hostnames.app.toLowerCase(), livekit: hostnames.livekit.toLowerCase() };
}

export function isHostname(name: unknown): name is string {
  return (
    typeof name === "string" &&
    name.length <= 253 &&
    /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i.test(name)
  );
}

function checkOrigins(origins: readonly string[]): string[] {
  if (origins.length === 0) throw new Error("allowedOrigins: at least one origin is needed, or no browser could open the WebSocket");
  return origins.map((origin) => {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new Error(`allowedOrigins: "${origin}" is not an origin (expected https://host[:port])`);
    }
    if (parsed.protocol !== "https:") throw new Error(`allowedOrigins: "${origin}" must use https (the edge serves HTTPS only)`);
    if (parsed.origin !== origin) {
      throw new Error(`allowedOrigins: "${origin}" is not an exact origin (expected ${parsed.origin}: no path, no trailing slash, lower case)`);
    }
    return origin;
  });
}

function checkPathPrefixes(prefixes: readonly string[]): readonly string[] {
  if (prefixes.length === 0) throw new Error("blockedPathPrefixes: at least one path is needed (metrics and admin paths must stay blocked)");
  for (const p of prefixes) {
    if (!/^\/[A-Za-z0-9._~\-/]+$/.test(p)) throw new Error(`blockedPathPrefixes: "${p}" is not a path prefix (expected /segment…)`);
  }
  return prefixes;
}

function checkMethods(methods: readonly string[]): readonly string[] {
  if (methods.length === 0) throw new Error("allowedMethods: at least one method is needed");
  for (const m of methods) {
    if (!HTTP_METHODS.includes(m)) throw new Error(`allowedMethods: "${m}" is not an HTTP method (expected one of ${HTTP_METHODS.join(", ")})`);
  }
  return methods;
}

function checkThreatScore(score: number): number {
  if (!Number.isInteger(score) || score < 0 || score > 100) {
    throw new Error(`threatScoreThreshold: ${score} is not an integer between 0 and 100`);
  }
  return score;
}

function checkThreshold(where: string, t: RateLimitThreshold): RateLimitThreshold {
  for (const key of ["requestsPerPeriod", "periodSeconds", "mitigationTimeoutSeconds"] as const) {
    const value = t[key];
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${where}: ${key} must be a positive integer (got ${String(value)})`);
  }
  return { requestsPerPeriod: t.requestsPerPeriod, periodSeconds: t.periodSeconds, mitigationTimeoutSeconds: t.mitigationTimeoutSeconds };
}

function checkRef(where: string, ref: string): void {
  if (!/^[a-z0-9_]{1,64}$/.test(ref)) throw new Error(`${where}: ref must be 1-64 of [a-z0-9_]`);
}

function checkExpression(where: string, expression: string): void {
  if (expression.trim() === "") throw new Error(`${where}: expression is empty`);
}

function seconds(values: readonly number[]): string {
  return values.map((v) => `${v} s`).join(", ");
}
