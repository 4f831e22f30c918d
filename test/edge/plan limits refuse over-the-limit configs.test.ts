import { beforeAll, describe, expect, it } from "vitest";
import {
  type CloudflarePlan,
  type EdgeRulesInput,
  type ExtraCustomRule,
  type ExtraRateLimitRule,
  fieldsOf,
  PLAN_LIMITS,
  planEdgeRules,
} from "../../components/edge";
import { baseArgs, installMocks, renderEdge } from "./support/mock-edge";

const base = (plan: string, extra: Partial<EdgeRulesInput> = {}): EdgeRulesInput => ({
  plan,
  hostnames: { app: "app.example.com", livekit: "livekit.example.com" },
  allowedOrigins: ["https://app.example.com"],
  ...extra,
});

const customRules = (n: number): ExtraCustomRule[] =>
  Array.from({ length: n }, (_, i) => ({
    ref: `extra_${i}`,
    description: `extra ${i}`,
    expression: `http.request.uri.path eq "/blocked-${i}"`,
    action: "block" as const,
  }));

const rateLimitRule = (overrides: Partial<ExtraRateLimitRule> = {}): ExtraRateLimitRule => ({
  ref: "extra_rate_limit",
  description: "extra",
  expression: 'http.request.uri.path eq "/login"',
  requestsPerPeriod: 5,
  periodSeconds: 10,
  mitigationTimeoutSeconds: 10,
  ...overrides,
});

const builtIn = (plan: CloudflarePlan) => planEdgeRules(base(plan));

describe("custom rule limits", () => {
  it.each([
    ["free", 5],
    ["pro", 20],
    ["business", 100],
    ["enterprise", 1000],
  ] as const)("%s holds %i custom rules and refuses one more, naming plan and limit", (plan, limit) => {
    expect(PLAN_LIMITS[plan].customRules).toBe(limit);
    const room = limit - builtIn(plan).customRules.length;
    expect(room).toBeGreaterThanOrEqual(1);
    expect(planEdgeRules(base(plan, { extraCustomRules: customRules(room) })).customRules).toHaveLength(limit);
    expect(() => planEdgeRules(base(plan, { extraCustomRules: customRules(room + 1) }))).toThrow(
      `cloudflare plan "${plan}" allows ${limit} custom rules; this configuration needs ${limit + 1}`,
    );
  });
});

describe("rate-limit rule limits", () => {
  it("free holds one rate-limit rule: the built-in one, so any extra is refused", () => {
    expect(builtIn("free").rateLimitRules).toHaveLength(1);
    expect(() => planEdgeRules(base("free", { extraRateLimitRules: [rateLimitRule()] }))).toThrow(
      'cloudflare plan "free" allows 1 rate-limit rule; this configuration needs 2 (rate_limit_gateway, extra_rate_limit)',
    );
  });

  it.each([
    ["pro", 2],
    ["business", 5],
    ["enterprise", 5],
  ] as const)("%s holds %i rate-limit rules and refuses one more", (plan, limit) => {
    const room = limit - builtIn(plan).rateLimitRules.length;
    const extras = (n: number) =>
      Array.from({ length: n }, (_, i) => rateLimitRule({ ref: `extra_${i}`, mitigationTimeoutSeconds: 60 }));
    expect(planEdgeRules(base(plan, { extraRateLimitRules: extras(room) })).rateLimitRules).toHaveLength(limit);
    expect(() => planEdgeRules(base(plan, { extraRateLimitRules: extras(room + 1) }))).toThrow(
      `cloudflare plan "${plan}" allows ${limit} rate-limit rules; this configuration needs ${limit + 1}`,
    );
  });

  it("free allows only a 10 s period and a 10 s mitigation timeout", () => {
    expect(() => planEdgeRules(base("free", { rateLimits: { deviceApi: { periodSeconds: 60 }, websocketUpgrade: { periodSeconds: 60 } } }))).toThrow(
      'cloudflare plan "free" allows rate-limit periods of 10 s; rate-limit rule "rate_limit_gateway" asks for 60 s',
    );
    expect(() =>
      planEdgeRules(base("free", { rateLimits: { deviceApi: { mitigationTimeoutSeconds: 60 }, websocketUpgrade: { mitigationTimeoutSeconds: 60 } } })),
    ).toThrow('cloudflare plan "free" allows mitigation timeouts of 10 s; rate-limit rule "rate_limit_gateway" asks for 60 s');
  });

  it("free's single rule needs one period for both limits", () => {
    expect(() => planEdgeRules(base("free", { rateLimits: { deviceApi: { periodSeconds: 60 } } }))).toThrow(
      /cloudflare plan "free" allows 1 rate-limit rule, so the device API and WebSocket upgrade limits share one rule/,
    );
  });

  it.each([
    ["pro", 600, "10 s, 60 s"],
    ["business", 3600, "10 s, 60 s, 120 s, 300 s, 600 s"],
  ] as const)("%s refuses a %i s period", (plan, period, allowed) => {
    expect(() => planEdgeRules(base(plan, { rateLimits: { deviceApi: { periodSeconds: period } } }))).toThrow(
      `cloudflare plan "${plan}" allows rate-limit periods of ${allowed}; rate-limit rule "rate_limit_device_api" asks for ${period} s`,
    );
  });

  it("pro refuses a one-day mitigation timeout that business allows", () => {
    const oneDay = { rateLimits: { deviceApi: { mitigationTimeoutSeconds: 86400 } } };
    expect(() => planEdgeRules(base("pro", oneDay))).toThrow(/cloudflare plan "pro" allows mitigation timeouts of .*asks for 86400 s/);
    expect(planEdgeRules(base("business", oneDay)).rateLimitRules[0]!.ratelimit.mitigationTimeout).toBe(86400);
  });

  it.each(["free", "pro", "business"] as const)("%s: the built-in rate-limit rules read only fields the plan allows", (plan) => {
    const allowed = PLAN_LIMITS[plan].rateLimitFields!;
    for (const rule of builtIn(plan).rateLimitRules) {
      for (const field of fieldsOf(rule.expression)) expect(allowed).toContain(field);
    }
    // Free may match on the path only: a host or method condition would be refused by Cloudflare.
    if (plan === "free") expect(allowed.filter((f) => !f.startsWith("cf."))).toEqual(["http.request.uri.path", "raw.http.request.uri.path"]);
  });

  it("business refuses a header field in a rate-limit expression; enterprise allows it", () => {
    const byHeader = [rateLimitRule({ expression: 'any(http.request.headers["x-api-key"][*] eq "y")', mitigationTimeoutSeconds: 60 })];
    expect(() => planEdgeRules(base("business", { extraRateLimitRules: byHeader }))).toThrow(
      /cloudflare plan "business" allows only these fields in rate-limit expressions: .*; rate-limit rule "extra_rate_limit" uses http.request.headers/,
    );
    expect(() => planEdgeRules(base("enterprise", { extraRateLimitRules: byHeader }))).not.toThrow();
    const byMethod = [rateLimitRule({ expression: 'http.request.method eq "POST"', mitigationTimeoutSeconds: 60 })];
    expect(() => planEdgeRules(base("business", { extraRateLimitRules: byMethod }))).not.toThrow();
  });

  it("custom counting expressions are a business-and-above feature, checked like the rule expression", () => {
    // On free and pro the built-in rules fill every rate-limit slot, so only the plan table can be checked there.
    expect(PLAN_LIMITS.free.countingExpression).toBe(false);
    expect(PLAN_LIMITS.pro.countingExpression).toBe(false);
    const counting = rateLimitRule({ countingExpression: "http.response.code eq 401", mitigationTimeoutSeconds: 60 });
    expect(planEdgeRules(base("business", { extraRateLimitRules: [counting] })).rateLimitRules.at(-1)!.ratelimit.countingExpression).toBe(
      "http.response.code eq 401",
    );
    expect(() =>
      planEdgeRules(base("business", { extraRateLimitRules: [{ ...counting, countingExpression: 'http.request.uri.path matches "^/a"' }] })),
    ).not.toThrow();
    expect(() =>
      planEdgeRules(base("business", { extraRateLimitRules: [{ ...counting, countingExpression: 'any(http.request.headers["a"][*] eq "b")' }] })),
    ).toThrow(/uses http.request.headers/);
  });
});

describe("plan-bound features", () => {
  it.each(["free", "pro"] as const)("%s refuses regular expressions anywhere in a rule", (plan) => {
    const regex = [{ ...customRules(1)[0]!, expression: 'http.request.uri.path matches "^/a.*"' }];
    expect(() => planEdgeRules(base(plan, { extraCustomRules: regex }))).toThrow(
      `cloudflare plan "${plan}" does not allow regular expressions (the "matches" operator needs Business or Enterprise); custom rule "extra_0" uses one`,
    );
    const cStyle = [{ ...customRules(1)[0]!, expression: 'http.request.uri.path ~ "^/a"' }];
    expect(() => planEdgeRules(base(plan, { extraCustomRules: cStyle }))).toThrow(/does not allow regular expressions/);
  });

  it.each(["business", "enterprise"] as const)("%s allows regular expressions", (plan) => {
    const regex = [{ ...customRules(1)[0]!, expression: 'http.request.uri.path matches "^/a.*"' }];
    expect(planEdgeRules(base(plan, { extraCustomRules: regex })).customRules.at(-1)!.expression).toContain("matches");
  });

  it("free refuses the full managed rulesets", () => {
    expect(() => planEdgeRules(base("free", { managedRulesets: ["cloudflare"] }))).toThrow(
      'cloudflare plan "free" does not include the Cloudflare Managed Ruleset',
    );
    expect(() => planEdgeRules(base("free", { managedRulesets: ["free", "owasp"] }))).toThrow(
      'cloudflare plan "free" does not include the Cloudflare OWASP Core Ruleset',
    );
    expect(() => planEdgeRules(base("pro", { managedRulesets: [] }))).toThrow(/at least one managed ruleset must run/);
  });

  it("refuses an unknown plan", () => {
    expect(() => planEdgeRules(base("team"))).toThrow('cloudflare plan "team" is unknown (expected one of: free, pro, business, enterprise)');
  });

  it("refuses duplicate rule refs and a bad extra rule", () => {
    expect(() => planEdgeRules(base("pro", { extraCustomRules: [{ ...customRules(1)[0]!, ref: "block_admin_paths" }] }))).toThrow(
      'rule ref "block_admin_paths" is used twice',
    );
    expect(() => planEdgeRules(base("pro", { extraCustomRules: [{ ...customRules(1)[0]!, expression: " " }] }))).toThrow(
      'extraCustomRules "extra_0": expression is empty',
    );
    expect(() => planEdgeRules(base("pro", { extraCustomRules: [{ ...customRules(1)[0]!, action: "allow" as "block" }] }))).toThrow(
      /extraCustomRules "extra_0": action "allow" is not one of/,
    );
  });
});

describe("CloudflareEdge applies the same limits before declaring anything", () => {
  beforeAll(installMocks);

  it("fails with the plan's limit and declares no child resource", async () => {
    const attempt = renderEdge(baseArgs({ plan: "free", extraCustomRules: customRules(2) }));
    await expect(attempt).rejects.toThrow('cloudflare plan "free" allows 5 custom rules; this configuration needs 6');
  });

  it("fails on a full managed ruleset asked of a free zone", async () => {
    await expect(renderEdge(baseArgs({ plan: "free", managedRulesets: ["owasp"] }))).rejects.toThrow(
      'cloudflare plan "free" does not include the Cloudflare OWASP Core Ruleset',
    );
  });
});
