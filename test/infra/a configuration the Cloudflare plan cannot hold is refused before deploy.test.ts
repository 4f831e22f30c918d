import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, type AwsConfig } from "../../infra/config";
import { checkEdgePlan } from "../../infra/edge";

const base = {
  target: "aws",
  domain: "example.com",
  cloudflareZoneId: "023e105f4ecef8ad9ca31a8372d0c353",
  deployerPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKm0Q8l6P3a3nE2qGwN4aX6x8c2fUuQzvF1yWq9mS7hT deployer",
  allowedOrigins: ["https://app.example.com"],
  acmeEmail: "ops@example.com",
};

function parseAws(values: Record<string, unknown>): AwsConfig {
  const config = parseConfig(values);
  if (config.target !== "aws") throw new Error(`expected the aws target, got ${config.target}`);
  return config;
}

describe("Cloudflare plan limits in configuration", () => {
  it("refuses the OWASP Core Ruleset on the free plan, naming the key, the plan and what it allows", () => {
    const config = parseAws({ ...base, cloudflarePlan: "free", cloudflareManagedRulesets: ["owasp"] });
    expect(() => checkEdgePlan(config)).toThrow(ConfigError);
    expect(() => checkEdgePlan(config)).toThrow(/rampart:cloudflareManagedRulesets: cloudflare plan "free" does not include the Cloudflare OWASP Core Ruleset/);
  });

  it("accepts the same rulesets on the pro plan", () => {
    const rules = checkEdgePlan(parseAws({ ...base, cloudflarePlan: "pro", cloudflareManagedRulesets: ["cloudflare", "owasp"] }));
    expect(rules.managedRules.map((r) => r.ref)).toEqual(["execute_cloudflare_managed_ruleset", "execute_owasp_managed_ruleset"]);
  });

  it("fits the default rules into every plan", () => {
    for (const plan of ["free", "pro", "business", "enterprise"]) {
      const rules = checkEdgePlan(parseAws({ ...base, cloudflarePlan: plan }));
      expect(rules.customRules.length, plan).toBeLessThanOrEqual(rules.limits.customRules);
      expect(rules.rateLimitRules.length, plan).toBeLessThanOrEqual(rules.limits.rateLimitRules);
    }
  });
});
