import { GATEWAY_PATHS } from "@rampart/catalogue";
import { literal, literalSet } from "./expressions";
import { holdsOneRateLimitRule, isCloudflarePlan, MANAGED_RULESETS, type ManagedRulesetName, type PlanLimits, PLAN_LIMITS } from "@rampart/catalogue";
import type {
  CustomRule,
  EdgeRules,
  EdgeRulesField,
  EdgeRulesInput,
  EdgeRulesPlan,
  EdgeRulesProblem,
  ExtraCustomRule,
  ExtraRateLimitRule,
  ManagedRule,
  RateLimitAction,
  RateLimitRule,
  RateLimitThreshold,
  ResolvedEdgeRulesInput,
} from "./rule-types";
import { inputProblems, planFitProblems, unknownPlanProblem } from "./validate-rules";

/**
 * The WAF, rate-limit and managed rules for a zone, computed for its Cloudflare plan. Pure: no Pulumi
 * resources, so config validation plans the rules before anything is declared and hands the result to
 * CloudflareEdge. What the plan cannot hold comes back as problems (validate-rules.ts), never as rules.
 */

/** LiveKit's signalling endpoint (https://docs.livekit.io/reference/internals/client-protocol/). */
const LIVEKIT_SIGNAL_PREFIX = "/rtc";

/**
 * Paths that must never be reachable from the internet (metrics, admin UIs, LiveKit's server API which
 * only the gateway calls, inside the VPC). Matched lower-cased as prefixes, so `/Metrics` and `/metrics.json`
 * are caught too.
 */
const DEFAULT_BLOCKED_PATH_PREFIXES: readonly string[] = [
  "/metrics",
  "/admin",
  "/debug",
  "/server-status",
  "/nginx_status",
  "/twirp",
];

/** Methods the services use: WebSocket upgrades and health checks (GET/HEAD), the device API (POST), CORS (OPTIONS). */
const DEFAULT_ALLOWED_METHODS: readonly string[] = ["GET", "HEAD", "POST", "OPTIONS"];

/** Cloudflare threat scores above this are challenged (the "high" security level uses 0, "medium" 14). */
const DEFAULT_THREAT_SCORE_THRESHOLD = 10;

const DEFAULT_DEVICE_API_REQUESTS = 30;
const DEFAULT_WEBSOCKET_UPGRADE_REQUESTS = 20;

/** Cloudflare requires the data-centre id among the counting characteristics of zone rate limits. */
const COLO = "cf.colo.id";

/**
 * Plans the rules for the zone's plan, or returns every problem that stops it. A problem names an input
 * field the caller set, or a required one: the defaults always fit, and a limit of the plan is keyed `plan`.
 */
export function planEdgeRules<Input extends EdgeRulesInput>(input: Input): EdgeRulesPlan<keyof Input & EdgeRulesField> {
  if (!isCloudflarePlan(input.plan)) return refused([unknownPlanProblem(input.plan)]);
  const limits = PLAN_LIMITS[input.plan];
  const resolved = withDefaults(limits, input);
  const wrongInput = inputProblems(limits, resolved);
  if (wrongInput.length > 0) return refused(wrongInput);

  const customRules: readonly CustomRule[] = [...builtInCustomRules(limits, resolved), ...resolved.extraCustomRules.map(extraCustomRule)];
  const rateLimitRules: readonly RateLimitRule[] = [
    ...builtInRateLimitRules(limits, resolved),
    ...resolved.extraRateLimitRules.map(extraRateLimitRule),
  ];
  const overLimits = planFitProblems(limits, customRules, rateLimitRules);
  if (overLimits.length > 0) return refused(overLimits);

  const managedRules: readonly ManagedRule[] = managedRulesFor(resolved.managedRulesets);
  const rules = { limits, hostnames: input.hostnames, customRules, rateLimitRules, managedRules, bots: limits.bots };
  return { ok: true, rules: rules as EdgeRules };
}

function refused<Field extends EdgeRulesField>(problems: readonly EdgeRulesProblem[]): EdgeRulesPlan<Field> {
  return { ok: false, problems: problems as readonly EdgeRulesProblem<Field>[] };
}

function withDefaults(limits: PlanLimits, input: EdgeRulesInput): ResolvedEdgeRulesInput {
  const threshold = (requestsPerPeriod: number): RateLimitThreshold => ({
    requestsPerPeriod,
    periodSeconds: 10,
    mitigationTimeoutSeconds: limits.mitigationTimeouts.includes(60) ? 60 : limits.mitigationTimeouts[0]!,
  });
  return {
    hostnames: input.hostnames,
    allowedOrigins: input.allowedOrigins,
    blockedPathPrefixes: input.blockedPathPrefixes ?? DEFAULT_BLOCKED_PATH_PREFIXES,
    allowedMethods: input.allowedMethods ?? DEFAULT_ALLOWED_METHODS,
    threatScoreThreshold: input.threatScoreThreshold ?? DEFAULT_THREAT_SCORE_THRESHOLD,
    rateLimits: {
      deviceApi: { ...threshold(DEFAULT_DEVICE_API_REQUESTS), ...input.rateLimits?.deviceApi },
      websocketUpgrade: { ...threshold(DEFAULT_WEBSOCKET_UPGRADE_REQUESTS), ...input.rateLimits?.websocketUpgrade },
    },
    managedRulesets: input.managedRulesets ?? limits.defaultManagedRulesets,
    extraCustomRules: input.extraCustomRules ?? [],
    extraRateLimitRules: input.extraRateLimitRules ?? [],
  };
}

/** The proxied hostnames as Cloudflare compares `http.host`: lower case. */
function proxiedHosts({ hostnames }: ResolvedEdgeRulesInput): { app: string; livekit: string } {
  return { app: hostnames.app.toLowerCase(), livekit: hostnames.livekit.toLowerCase() };
}

function builtInCustomRules(limits: PlanLimits, input: ResolvedEdgeRulesInput): CustomRule[] {
  const hosts = proxiedHosts(input);
  // Scoped to Rampart's hostnames: the zone may serve other sites these rules know nothing about.
  const ours = `http.host in ${literalSet([hosts.app, hosts.livekit])}`;
  const path = "lower(http.request.uri.path)";
  const deviceApi = `starts_with(http.request.uri.path, ${literal(GATEWAY_PATHS.devicePrefix)})`;
  const rules: CustomRule[] = [
    {
      ref: "block_admin_paths",
      description: "Metrics, admin and server-API paths are never served to the internet",
      expression: `${ours} and (${input.blockedPathPrefixes.map((p) => `starts_with(${path}, ${literal(p.toLowerCase())})`).join(" or ")})`,
      action: "block",
      enabled: true,
    },
    {
      ref: "allow_only_service_methods",
      description: `Only the methods the services use: ${input.allowedMethods.join(", ")}`,
      expression: `${ours} and not http.request.method in ${literalSet(input.allowedMethods)}`,
      action: "block",
      enabled: true,
    },
    {
      // Device clients are machines that cannot solve a challenge; they are HMAC-authenticated and rate-limited instead.
      ref: "challenge_high_threat_score",
      description: `Managed challenge for Cloudflare threat scores above ${input.threatScoreThreshold} (device API excepted)`,
      expression: `${ours} and cf.threat_score gt ${input.threatScoreThreshold} and not ${deviceApi}`,
      action: "managed_challenge",
      enabled: true,
    },
    {
      // Same rule as the gateway's 403 before upgrade (docs/gateway-protocol.md), enforced at the edge so foreign pages never reach the origin.
      ref: "refuse_foreign_websocket_origin",
      description: "WebSocket upgrades to /ws need an exactly allowed Origin",
      expression:
        `http.host eq ${literal(hosts.app)} and starts_with(${path}, ${literal(GATEWAY_PATHS.websocket)}) ` +
        `and not any(http.request.headers["origin"][*] in ${literalSet(input.allowedOrigins)})`,
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

function builtInRateLimitRules(limits: PlanLimits, input: ResolvedEdgeRulesInput): RateLimitRule[] {
  const { deviceApi: device, websocketUpgrade: upgrade } = input.rateLimits;
  const hosts = proxiedHosts(input);
  const devicePath = `starts_with(http.request.uri.path, ${literal(GATEWAY_PATHS.devicePrefix)})`;
  const wsPath = `http.request.uri.path eq ${literal(GATEWAY_PATHS.websocket)}`;
  const rtcPath = `starts_with(http.request.uri.path, ${literal(LIVEKIT_SIGNAL_PREFIX)})`;

  if (holdsOneRateLimitRule(limits)) {
    // One rule is all the plan holds, and its expression may only use the path: count both entry points together.
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
  return rateLimitRule(extra.ref, extra.description, extra.expression, extra, extra.action, extra.countingExpression);
}

function extraCustomRule(extra: ExtraCustomRule): CustomRule {
  return {
    ref: extra.ref,
    description: extra.description,
    expression: extra.expression,
    action: extra.action,
    ...(extra.actionParameters ? { actionParameters: extra.actionParameters } : {}),
    enabled: true,
  };
}

function managedRulesFor(names: readonly ManagedRulesetName[]): ManagedRule[] {
  return [...new Set(names)].map((name) => ({
    ref: `execute_${name}_managed_ruleset`,
    description: `Execute the ${MANAGED_RULESETS[name].title}`,
    expression: "true",
    action: "execute" as const,
    actionParameters: { id: MANAGED_RULESETS[name].id },
    enabled: true as const,
  }));
}
