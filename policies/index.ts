import { PolicyPack, type Policy, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME } from "./pack";
import { RULES } from "./rules";
import { PROFILE_DESCRIPTION, PROFILE_POLICY, PROFILE_SCHEMA, profileFromConfig } from "./rules/profile";
import { anchorText, DEFAULT_PROFILE, profileLevel, type Profile, type Rule } from "./rules/rule";

/**
 * The Rampart CrossGuard pack: `pulumi preview --policy-pack policies`. The rules live in ./rules by
 * area; this file only wraps them for the policy server. Offline, policies/check/evaluate.ts runs the
 * very same rule functions.
 */

/**
 * The profile of this run. The policy server runs the policies in their order for every resource, so the
 * `profile` policy (first) reads its config before any rule runs; stack policies run after every resource.
 */
let profile: Profile = DEFAULT_PROFILE;

const profilePolicy: ResourceValidationPolicy = {
  name: PROFILE_POLICY,
  description: PROFILE_DESCRIPTION,
  enforcementLevel: "advisory",
  configSchema: PROFILE_SCHEMA,
  validateResource: (args) => {
    profile = profileFromConfig(args.getConfig<Record<string, unknown>>());
  },
};

function leftOut(rule: Rule): string | undefined {
  return profileLevel(rule, profile) === "off" ? `not part of the ${profile} profile` : undefined;
}

function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  const common: Policy = {
    name: rule.name,
    description: rule.description,
    severity: rule.severity,
    enforcementLevel: rule.enforcementLevel,
    remediationSteps: `${rule.remediationSteps} (${anchorText(rule.anchors)})`,
    tags: Object.keys(rule.anchors),
    ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
  };
  if (rule.kind === "stack") {
    return {
      ...common,
      validateStack: (args, report) => {
        const off = leftOut(rule);
        if (off) args.notApplicable(off);
        rule.validateStack(args, report, { profile });
      },
    };
  }
  const types = new Set(rule.resourceTypes);
  const remediate = rule.remediateResource;
  return {
    ...common,
    // Filter on the provider type token (what validateResourceOfType does via the class) without
    // making the pack depend on the provider SDKs.
    validateResource: (args, report) => {
      if (!types.has(args.type)) return;
      const off = leftOut(rule);
      if (off) args.notApplicable(off);
      rule.validateResource(args, report, { profile });
    },
    ...(remediate ? { remediateResource: (args) => (types.has(args.type) && !leftOut(rule) ? remediate(args) : undefined) } : {}),
  };
}

new PolicyPack(PACK_NAME, {
  description: PACK_DESCRIPTION,
  enforcementLevel: "mandatory",
  policies: [profilePolicy, ...RULES.map(toPolicy)],
});
