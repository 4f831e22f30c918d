import { PolicyPack, type Policy, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME } from "./pack";
import { RULES } from "./rules";
import { anchorText, type Rule } from "./rules/rule";

/**
 * The Rampart CrossGuard pack: `pulumi preview --policy-pack policies`. The rules live in ./rules by
 * area; this file only wraps them for the policy server. Offline, policies/check/evaluate.ts runs the
 * very same rule functions.
 */
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
  if (rule.kind === "stack") return { ...common, validateStack: rule.validateStack };
  const types = new Set(rule.resourceTypes);
  const remediate = rule.remediateResource;
  return {
    ...common,
    // Filter on the provider type token (what validateResourceOfType does via the class) without
    // making the pack depend on the provider SDKs.
    validateResource: (args, report) => {
      if (types.has(args.type)) rule.validateResource(args, report);
    },
    ...(remediate ? { remediateResource: (args) => (types.has(args.type) ? remediate(args) : undefined) } : {}),
  };
}

new PolicyPack(PACK_NAME, {
  description: PACK_DESCRIPTION,
  enforcementLevel: "mandatory",
  policies: RULES.map(toPolicy),
});
