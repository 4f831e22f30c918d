import { describe, expect, it } from "vitest";
import { evaluatePolicies, type PlanResource } from "@rampart/policies/check/evaluate";
import { RULES } from "@rampart/policies/rules";
import { profileLevel, type Profile } from "@rampart/policies/rules/rule";
import { container, coturn, edge, elasticsearch, livekit, opensearch, redis, resource } from "./fixtures/build";
import { CASES, goodInstance, goodZoneSettings, INSTANCE, proxied, rateLimit, waf } from "./fixtures/cases";
import { scaleHardened } from "./fixtures/scale-cases";

function violationsOf(policy: string, stack: PlanResource[], profile: Profile) {
  return evaluatePolicies(stack, { profile }).violations.filter((v) => v.policy === policy);
}

describe("every rule of the pack", () => {
  it("has a violating and a passing fixture here (no rule goes untested)", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  for (const [policy, c] of Object.entries(CASES)) {
    const profile = c.profile ?? "rampart";
    const rule = RULES.find((r) => r.name === policy)!;
    describe(`${policy} (${profile})`, () => {
      it("refuses the violating resource with a message naming what is wrong, at the rule's level for the profile", () => {
        const found = violationsOf(policy, c.bad, profile);
        expect(found.length, JSON.stringify(evaluatePolicies(c.bad, { profile }).violations, null, 1)).toBeGreaterThan(0);
        expect(found.map((v) => v.message).join("\n")).toMatch(c.message);
        expect(new Set(found.map((v) => v.level))).toEqual(new Set([profileLevel(rule, profile)]));
      });
      it("accepts the hardened form", () => {
        expect(violationsOf(policy, c.good, profile)).toEqual([]);
      });
    });
  }
});

describe("the hardened fixtures", () => {
  it("pass the whole pack together (no rule contradicts another)", () => {
    const stack = [container(), coturn(), edge(), elasticsearch(), opensearch(), redis(), livekit(), resource(INSTANCE, goodInstance), proxied(), ...goodZoneSettings(), waf(), rateLimit(), ...scaleHardened()];
    expect(evaluatePolicies(stack).violations).toEqual([]);
  });
});
