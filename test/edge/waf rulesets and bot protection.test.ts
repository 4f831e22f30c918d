import { describe, expect, it } from "vitest";
import { MANAGED_RULESETS } from "@rampart/catalogue";
import { baseArgs, one, renderEdge, reveal, rulesetOf, ZONE_ID, type RuleInputs } from "./support/mock-edge";
import { refusal, rulesInput } from "./support/planned-rules";

const BOT_MANAGEMENT = "cloudflare:index/botManagement:BotManagement";

function rule(rules: RuleInputs[], ref: string): RuleInputs {
  const found = rules.find((r) => r.ref === ref);
  if (!found) throw new Error(`no rule "${ref}" among ${rules.map((r) => r.ref).join(", ")}`);
  return found;
}

describe("WAF custom rules (http_request_firewall_custom)", () => {
  it("is the zone's entry-point ruleset for the phase", async () => {
    const { resources } = await renderEdge(baseArgs());
    const custom = rulesetOf(resources, "http_request_firewall_custom");
    expect(custom).toMatchObject({ kind: "zone", zoneId: ZONE_ID });
    for (const r of custom.rules) expect(r.enabled).toBe(true);
  });

  it("blocks metrics, admin and server-API paths, case-insensitively, on Rampart's hostnames", async () => {
    const { resources } = await renderEdge(baseArgs());
    const r = rule(rulesetOf(resources, "http_request_firewall_custom").rules, "block_admin_paths");
    expect(r.action).toBe("block");
    expect(r.expression).toContain('http.host in {"app.example.com" "livekit.example.com"}');
    for (const prefix of ["/metrics", "/admin", "/debug", "/twirp"]) {
      expect(r.expression).toContain(`starts_with(lower(http.request.uri.path), "${prefix}")`);
    }
  });

  it("allows only the methods the services use", async () => {
    const { resources } = await renderEdge(baseArgs());
    const r = rule(rulesetOf(resources, "http_request_firewall_custom").rules, "allow_only_service_methods");
    expect(r.action).toBe("block");
    expect(r.expression).toMatch(/not http\.request\.method in \{"GET" "HEAD" "POST" "OPTIONS"\}$/);
  });

  it("challenges high threat scores, except the HMAC-signed device API that cannot solve challenges", async () => {
    const { resources } = await renderEdge(baseArgs({ rules: { threatScoreThreshold: 20 } }));
    const r = rule(rulesetOf(resources, "http_request_firewall_custom").rules, "challenge_high_threat_score");
    expect(r.action).toBe("managed_challenge");
    expect(r.expression).toContain("cf.threat_score gt 20");
    expect(r.expression).toContain('not starts_with(http.request.uri.path, "/v1/devices/")');
  });

  it("refuses /ws requests whose Origin is missing or not exactly allowed", async () => {
    const { resources } = await renderEdge(
      baseArgs({ rules: { allowedOrigins: ["https://app.example.com", "https://console.example.com:8443"] } }),
    );
    const r = rule(rulesetOf(resources, "http_request_firewall_custom").rules, "refuse_foreign_websocket_origin");
    expect(r.action).toBe("block");
    expect(r.expression).toBe(
      'http.host eq "app.example.com" and starts_with(lower(http.request.uri.path), "/ws") and not any(http.request.headers["origin"][*] in {"https://app.example.com" "https://console.example.com:8443"})',
    );
  });

  it("refuses origins that are not exact https origins", () => {
    for (const [origin, message] of [
      ["https://app.example.com/", /not an exact origin \(expected https:\/\/app.example.com/],
      ["http://app.example.com", /must use https/],
      ["app.example.com", /is not an origin/],
      ['https://a.example.com" or true or "', /is not an origin|not an exact origin/],
    ] as const) {
      expect(refusal(rulesInput({ allowedOrigins: [origin] }))).toMatch(message);
    }
    expect(refusal(rulesInput({ allowedOrigins: [] }))).toMatch(/allowedOrigins: at least one origin/);
  });

  it("on paid plans lets device API POSTs skip Super Bot Fight Mode, and nothing else", async () => {
    const { resources } = await renderEdge(baseArgs({ rules: { plan: "pro" } }));
    const r = rule(rulesetOf(resources, "http_request_firewall_custom").rules, "device_api_skips_super_bot_fight_mode");
    expect(r.action).toBe("skip");
    expect(r.actionParameters).toEqual({ phases: ["http_request_sbfm"] });
    expect(r.expression).toBe('http.host eq "app.example.com" and http.request.method eq "POST" and starts_with(http.request.uri.path, "/v1/devices/")');
    expect(r.logging).toEqual({ enabled: true });
    const free = await renderEdge(baseArgs({ rules: { plan: "free" } }));
    expect(rulesetOf(free.resources, "http_request_firewall_custom").rules.map((x) => x.ref)).not.toContain("device_api_skips_super_bot_fight_mode");
  });
});

describe("managed WAF rulesets (http_request_firewall_managed)", () => {
  it("executes the Free Managed Ruleset on the free plan", async () => {
    const { resources } = await renderEdge(baseArgs({ rules: { plan: "free" } }));
    const managed = rulesetOf(resources, "http_request_firewall_managed");
    expect(managed.kind).toBe("zone");
    expect(managed.rules).toEqual([
      expect.objectContaining({ action: "execute", expression: "true", enabled: true, actionParameters: { id: MANAGED_RULESETS.free.id } }),
    ]);
  });

  it.each(["pro", "business", "enterprise"] as const)("executes Cloudflare Managed and OWASP Core on %s", async (plan) => {
    const { resources } = await renderEdge(baseArgs({ rules: { plan } }));
    const ids = rulesetOf(resources, "http_request_firewall_managed").rules.map((r) => {
      expect(r.action).toBe("execute");
      return r.actionParameters?.id;
    });
    expect(ids).toEqual([MANAGED_RULESETS.cloudflare.id, MANAGED_RULESETS.owasp.id]);
    expect(MANAGED_RULESETS.cloudflare.id).toBe("efb7b8c949ac4650a09736fc376e9aee");
    expect(MANAGED_RULESETS.owasp.id).toBe("4814384a9e5d4991b9815dcfc25d2f1f");
  });
});

describe("rate limiting (http_ratelimit)", () => {
  it("on free, one path-only rule covers the device API and WebSocket upgrades with a 10 s period", async () => {
    const { resources } = await renderEdge(baseArgs({ rules: { plan: "free" } }));
    const rl = rulesetOf(resources, "http_ratelimit");
    expect(rl.kind).toBe("zone");
    expect(rl.rules).toHaveLength(1);
    const r = rl.rules[0]!;
    expect(r.action).toBe("block");
    expect(r.expression).toBe(
      'starts_with(http.request.uri.path, "/v1/devices/") or http.request.uri.path eq "/ws" or starts_with(http.request.uri.path, "/rtc")',
    );
    expect(r.ratelimit).toEqual({
      characteristics: ["cf.colo.id", "ip.src"],
      period: 10,
      requestsPerPeriod: 50,
      mitigationTimeout: 10,
      requestsToOrigin: false,
    });
  });

  it("on pro and above, separate per-IP rules for the device API and for WebSocket upgrades, per hostname", async () => {
    const { resources } = await renderEdge(
      baseArgs({ rules: { plan: "pro", rateLimits: { deviceApi: { requestsPerPeriod: 12 }, websocketUpgrade: { requestsPerPeriod: 7, periodSeconds: 60 } } } }),
    );
    const rules = rulesetOf(resources, "http_ratelimit").rules;
    expect(rules.map((r) => r.ref)).toEqual(["rate_limit_device_api", "rate_limit_websocket_upgrade"]);
    const [device, upgrade] = rules;
    expect(device!.expression).toBe('http.host eq "app.example.com" and starts_with(http.request.uri.path, "/v1/devices/")');
    expect(device!.ratelimit).toMatchObject({ characteristics: ["cf.colo.id", "ip.src"], period: 10, requestsPerPeriod: 12, mitigationTimeout: 60 });
    expect(upgrade!.expression).toBe(
      '(http.host eq "app.example.com" and http.request.uri.path eq "/ws") or (http.host eq "livekit.example.com" and starts_with(http.request.uri.path, "/rtc"))',
    );
    expect(upgrade!.ratelimit).toMatchObject({ period: 60, requestsPerPeriod: 7, mitigationTimeout: 60 });
  });

  it("refuses thresholds that are not positive integers", () => {
    expect(refusal(rulesInput({ rateLimits: { deviceApi: { requestsPerPeriod: 0 } } }))).toMatch(
      /rateLimits.deviceApi: requestsPerPeriod must be a positive integer \(got 0\)/,
    );
  });
});

describe("bot protection", () => {
  it("turns Bot Fight Mode on for a free zone", async () => {
    const { resources } = await renderEdge(baseArgs({ rules: { plan: "free" } }));
    expect(reveal(one(resources, BOT_MANAGEMENT).inputs)).toEqual({ zoneId: ZONE_ID, fightMode: true, enableJs: true });
  });

  it("uses Super Bot Fight Mode, the paid plans' Bot Fight Mode, blocking definitely-automated traffic on pro", async () => {
    const { resources } = await renderEdge(baseArgs({ rules: { plan: "pro" } }));
    const bots = reveal<Record<string, unknown>>(one(resources, BOT_MANAGEMENT).inputs);
    expect(bots).toMatchObject({ fightMode: false, sbfmDefinitelyAutomated: "block", sbfmVerifiedBots: "allow" });
    // Pro's configuration shape has no likely-automated tier: sending one would fail the deploy.
    expect(bots).not.toHaveProperty("sbfmLikelyAutomated");
  });

  it.each(["business", "enterprise"] as const)("also challenges likely-automated traffic on %s", async (plan) => {
    const { resources } = await renderEdge(baseArgs({ rules: { plan } }));
    expect(reveal(one(resources, BOT_MANAGEMENT).inputs)).toMatchObject({
      sbfmDefinitelyAutomated: "block",
      sbfmLikelyAutomated: "managed_challenge",
      sbfmVerifiedBots: "allow",
    });
  });
});
