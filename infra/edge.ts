import type { ManagedRulesetName } from "@rampart/catalogue";
import { planEdgeRules, type EdgeHostnames, type EdgeRules } from "../components/edge";
import { type AwsConfig, CONFIG_NAMESPACE, ConfigError, type ConfigKeyName } from "./config";

/** Public hostnames of a deployment, under its domain. */
export function edgeHostnames(domain: string): EdgeHostnames {
  return { app: `app.${domain}`, livekit: `livekit.${domain}`, turn: `turn.${domain}` };
}

/** The stack key behind each planner input the stack sets (the hostnames are derived from the domain). */
const STACK_KEY = {
  plan: "cloudflarePlan",
  hostnames: "domain",
  allowedOrigins: "allowedOrigins",
  managedRulesets: "cloudflareManagedRulesets",
} as const satisfies Record<string, ConfigKeyName>;

/**
 * Fits the WAF and rate-limit rules to the zone's Cloudflare plan before anything is declared: a
 * configuration the plan cannot hold is a configuration error naming the key, the plan and the limit.
 * The rules returned are the ones CloudflareEdge declares.
 */
export function checkEdgePlan(config: Pick<AwsConfig, "cloudflare" | "domain" | "allowedOrigins">): EdgeRules {
  const cf = config.cloudflare;
  const planned = planEdgeRules({
    plan: cf.plan,
    hostnames: edgeHostnames(config.domain),
    allowedOrigins: config.allowedOrigins,
    ...(cf.managedRulesets.length ? { managedRulesets: cf.managedRulesets as ManagedRulesetName[] } : {}),
  });
  if (!planned.ok) {
    throw new ConfigError(planned.problems.map((p) => `${CONFIG_NAMESPACE}:${STACK_KEY[p.key]}: ${p.message}`));
  }
  return planned.rules;
}
