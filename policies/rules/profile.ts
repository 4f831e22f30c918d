import type { PolicyConfigSchema } from "@pulumi/policy";
import { DEFAULT_PROFILE, isProfile, PROFILES, type Profile } from "./rule";

/**
 * The profile is chosen in pack config as `{ "profile": { "name": "baseline" } }`. The engine only hands
 * a pack config for policies it declares (unknown keys are dropped), so the choice travels as the
 * config of a policy of its own, named `profile`, that checks nothing.
 */
export const PROFILE_POLICY = "profile";

export const PROFILE_DESCRIPTION =
  "Selects the rule profile: \"rampart\" (Rampart's own stacks, the default) or \"baseline\" (any Pulumi program: rules that encode Rampart's architecture are off, low-severity rules advisory). Checks nothing itself.";

export const PROFILE_SCHEMA: PolicyConfigSchema = {
  properties: {
    name: { type: "string", enum: [...PROFILES], default: DEFAULT_PROFILE, description: "rampart | baseline" },
  },
};

export class ProfileError extends Error {}

/** The profile a `profile` policy config names (its `name`), refusing anything else with the choices. */
export function profileFromConfig(config: Record<string, unknown> | undefined): Profile {
  const name = config?.name ?? DEFAULT_PROFILE;
  if (!isProfile(name)) throw new ProfileError(`policy config "profile".name must be one of ${PROFILES.join(", ")}, got ${JSON.stringify(name)}`);
  return name;
}
