import { describe, expect, it } from "vitest";
import { type CloudflarePlan, PLAN_LIMITS } from "@rampart/catalogue";
import {
  type CloudflareEdgeArgs,
  type EdgeRulesInput,
  type ExtraCustomRule,
  type ExtraRateLimitRule,
  fieldsOf,
  planEdgeRules,
} from "../../components/edge";
import { baseArgs } from "./support/mock-edge";
import { planned, problemsOf, refusal, rulesInput } from "./support/planned-rules";

const base = (plan: string, extra: Partial<EdgeRulesInput> = {}): EdgeRulesInput => rulesInput({ plan, ...extra });

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

const builtIn = (plan: CloudflarePlan) => planned(base(plan));

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
    expect(planned(base(plan, { extraCustomRules: customRules(room) })).customRules).toHaveLength(limit);
    expect(refusal(base(plan, { extraCustomRules: customRules(room + 1) }))).toMatch(
      `cloudflare plan "${plan}" allows ${limit} custom rules; this configuration needs ${limit + 1}`,
    );
  });
});

describe("rate-limit rule limits", () => {
  it("free holds one rate-limit rule: the built-in one, so any extra is refused", () => {
    expect(builtIn("free").rateLimitRules).toHaveLength(1);
    expect(refusal(base("free", { extraRateLimitRules: [rateLimitRule()] }))).toMatch(
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
    expect(planned(base(plan, { extraRateLimitRules: extras(room) })).rateLimitRules).toHaveLength(limit);
    expect(refusal(base(plan, { extraRateLimitRules: extras(room + 1) }))).toMatch(
      `cloudflare plan "${plan}" allows ${limit} rate-limit rules; this configuration needs ${limit + 1}`,
    );
  });

  it("free allows only a 10 s period and a 10 s mitigation timeout", () => {
    expect(refusal(base("free", { rateLimits: { deviceApi: { periodSeconds: 60 }, websocketUpgrade: { periodSeconds: 60 } } }))).toMatch(
      'cloudflare plan "free" allows rate-limit periods of 10 s; rate-limit rule "rate_limit_gateway" asks for 60 s',
    );
    expect(
      refusal(base("free", { rateLimits: { deviceApi: { mitigationTimeoutSeconds: 60 }, websocketUpgrade: { mitigationTimeoutSeconds: 60 } } })),
    ).toMatch('cloudflare plan "free" allows mitigation timeouts of 10 s; rate-limit rule "rate_limit_gateway" asks for 60 s');
  });

  it("free's single rule needs one period for both limits", () => {
    expect(refusal(base("free", { rateLimits: { deviceApi: { periodSeconds: 60 } } }))).toMatch(
      /cloudflare plan "free" allows 1 rate-limit rule, so the device API and WebSocket upgrade limits share one rule/,
    );
  });

  it.each([
    ["pro", 600, "10 s, 60 s"],
    ["business", 3600, "10 s, 60 s, 120 s, 300 s, 600 s"],
  ] as const)("%s refuses a %i s period", (plan, period, allowed) => {
    expect(refusal(base(plan, { rateLimits: { deviceApi: { periodSeconds: period } } }))).toMatch(
      `cloudflare plan "${plan}" allows rate-limit periods of ${allowed}; rate-limit rule "rate_limit_device_api" asks for ${period} s`,
    );
  });

  it("pro refuses a one-day mitigation timeout that business allows", () => {
    const oneDay = { rateLimits: { deviceApi: { mitigationTimeoutSeconds: 86400 } } };
    expect(refusal(base("pro", oneDay))).toMatch(/cloudflare plan "pro" allows mitigation timeouts of .*asks for 86400 s/);
    expect(planned(base("business", oneDay)).rateLimitRules[0]!.ratelimit.mitigationTimeout).toBe(86400);
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
    expect(refusal(base("business", { extraRateLimitRules: byHeader }))).toMatch(
      /cloudflare plan "business" allows only these fields in rate-limit expressions: .*; rate-limit rule "extra_rate_limit" uses http.request.headers/,
    );
    expect(refusal(base("enterprise", { extraRateLimitRules: byHeader }))).toBe("");
    const byMethod = [rateLimitRule({ expression: 'http.request.method eq "POST"', mitigationTimeoutSeconds: 60 })];
    expect(refusal(base("business", { extraRateLimitRules: byMethod }))).toBe("");
  });

  it("custom counting expressions are a business-and-above feature, checked like the rule expression", () => {
    // On free and pro the built-in rules fill every rate-limit slot, so only the plan table can be checked there.
    expect(PLAN_LIMITS.free.countingExpression).toBe(false);
    expect(PLAN_LIMITS.pro.countingExpression).toBe(false);
    const counting = rateLimitRule({ countingExpression: "http.response.code eq 401", mitigationTimeoutSeconds: 60 });
    expect(planned(base("business", { extraRateLimitRules: [counting] })).rateLimitRules.at(-1)!.ratelimit.countingExpression).toBe(
      "http.response.code eq 401",
    );
    expect(refusal(base("business", { extraRateLimitRules: [{ ...counting, countingExpression: 'http.request.uri.path matches "^/a"' }] }))).toBe("");
    expect(refusal(base("business", { extraRateLimitRules: [{ ...counting, countingExpression: 'any(http.request.headers["a"][*] eq "b")' }] }))).toMatch(/uses http.request.headers/);
  });
});

describe("plan-bound features", () => {
  it.each(["free", "pro"] as const)("%s refuses regular expressions anywhere in a rule", (plan) => {
    const regex = [{ ...customRules(1)[0]!, expression: 'http.request.uri.path matches "^/a.*"' }];
    expect(refusal(base(plan, { extraCustomRules: regex }))).toMatch(
      `cloudflare plan "${plan}" does not allow regular expressions (the "matches" operator needs Business or Enterprise); custom rule "extra_0" uses one`,
    );
    const cStyle = [{ ...customRules(1)[0]!, expression: 'http.request.uri.path ~ "^/a"' }];
    expect(refusal(base(plan, { extraCustomRules: cStyle }))).toMatch(/does not allow regular expressions/);
  });

  it.each(["business", "enterprise"] as const)("%s allows regular expressions", (plan) => {
    const regex = [{ ...customRules(1)[0]!, expression: 'http.request.uri.path matches "^/a.*"' }];
    expect(planned(base(plan, { extraCustomRules: regex })).customRules.at(-1)!.expression).toContain("matches");
  });

  it("free refuses the full managed rulesets", () => {
    expect(refusal(base("free", { managedRulesets: ["cloudflare"] }))).toMatch(
      'cloudflare plan "free" does not include the Cloudflare Managed Ruleset',
    );
    expect(refusal(base("free", { managedRulesets: ["free", "owasp"] }))).toMatch(
      'cloudflare plan "free" does not include the Cloudflare OWASP Core Ruleset',
    );
    expect(refusal(base("pro", { managedRulesets: [] }))).toMatch(/at least one managed ruleset must run/);
  });

  it("refuses an unknown plan", () => {
    expect(refusal(base("team"))).toMatch('cloudflare plan "team" is unknown (expected one of: free, pro, business, enterprise)');
  });

  it("refuses duplicate rule refs and a bad extra rule", () => {
    expect(refusal(base("pro", { extraCustomRules: [{ ...customRules(1)[0]!, ref: "block_admin_paths" }] }))).toMatch(
      'rule ref "block_admin_paths" is used twice',
    );
    expect(refusal(base("pro", { extraCustomRules: [{ ...customRules(1)[0]!, expression: " " }] }))).toMatch(
      'extraCustomRules "extra_0": expression is empty',
    );
    expect(refusal(base("pro", { extraCustomRules: [{ ...customRules(1)[0]!, action: "allow" as "block" }] }))).toMatch(
      /extraCustomRules "extra_0": action "allow" is not one of/,
    );
  });
});

describe("problems come back as data, each naming the input field it is about", () => {
  it("names the field, so a caller can point at its own setting without reading the text", () => {
    expect(problemsOf(base("team"))).toEqual([
      { key: "plan", message: 'cloudflare plan "team" is unknown (expected one of: free, pro, business, enterprise)' },
    ]);
    expect(problemsOf(base("free", { managedRulesets: ["owasp"] })).map((p) => p.key)).toEqual(["managedRulesets"]);
    expect(problemsOf(base("free", { allowedOrigins: [] })).map((p) => p.key)).toEqual(["allowedOrigins"]);
    expect(problemsOf(base("free", { rateLimits: { deviceApi: { periodSeconds: 60 } } })).map((p) => p.key)).toEqual(["rateLimits"]);
    expect(problemsOf(base("free", { extraCustomRules: customRules(2) })).map((p) => p.key)).toEqual(["plan"]);
    expect(problemsOf(base("pro", { extraCustomRules: [{ ...customRules(1)[0]!, ref: "block_admin_paths" }] })).map((p) => p.key)).toEqual([
      "extraCustomRules",
    ]);
  });

  it("reports every problem of the input, not only the first", () => {
    const problems = problemsOf(base("free", { allowedOrigins: ["http://app.example.com"], threatScoreThreshold: 101, allowedMethods: ["FETCH"] }));
    expect(problems.map((p) => p.key)).toEqual(["allowedOrigins", "allowedMethods", "threatScoreThreshold"]);
  });
});

describe("CloudflareEdge declares only planned rules", () => {
  // The type checker is what holds these: `npm run typecheck` fails if either line ever compiles.
  it("takes the planner's rules: a refused plan has none to hand over, and hand-made rules do not type", () => {
    const plan = planEdgeRules(base("free", { extraCustomRules: customRules(2) }));
    // @ts-expect-error a refused plan carries problems, not rules
    expect(plan.rules).toBeUndefined();
    const { limits, hostnames, customRules: custom, rateLimitRules, managedRules, bots } = planned(base("free"));
    const handMade: CloudflareEdgeArgs = {
      ...baseArgs(),
      // @ts-expect-error only planEdgeRules makes EdgeRules, so hand-made ones were never fitted to the plan
      rules: { limits, hostnames, customRules: custom, rateLimitRules, managedRules, bots },
    };
    expect(handMade.rules.customRules).toBe(custom);
  });
});
