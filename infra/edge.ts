import { planEdgeRules, type EdgeHostnames, type EdgeRules, type ManagedRulesetName } from "../components/edge";
import { ConfigError, type RampartConfig } from "./config";

/** Public hostnames of a deployment, under its domain. */
export function edgeHostnames(domain: string): EdgeHostnames {
  return { app: `app.${domain}`, livekit: `livekit.${domain}`, turn: `turn.${domain}` };
}

/**
 * Fits the WAF and rate-limit rules to the zone's Cloudflare plan before anything is declared: a
 * configuration the plan cannot hold is a configuration error naming the plan and the limit.
 */
export function checkEdgePlan(config: RampartConfig): EdgeRules {
  const cf = config.cloudflare!;
  try {
    return planEdgeRules({
      plan: cf.plan,
      hostnames: edgeHostnames(config.domain!),
      allowedOrigins: config.allowedOrigins,
      ...(cf.managedRulesets.length ? { managedRulesets: cf.managedRulesets as ManagedRulesetName[] } : {}),
    });
  } catch (e) {
    const key = /managedRulesets/.test((e as Error).message) || /managed ruleset/i.test((e as Error).message)
      ? "rampart:cloudflareManagedRulesets"
      : /allowedOrigins/.test((e as Error).message)
        ? "rampart:allowedOrigins"
        : "rampart:cloudflarePlan";
    throw new ConfigError([`${key}: ${(e as Error).message}`]);
  }
}
