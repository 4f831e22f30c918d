import { cloudflareResourceRules, cloudflareStackRules } from "./cloudflare";
import { computeResourceRules, computeStackRules } from "./compute";
import { containerRules } from "./containers";
import { datastoreRules } from "./datastores";
import { eksRules } from "./eks";
import { kubernetesResourceRules, kubernetesStackRules } from "./kubernetes";
import { networkResourceRules, networkStackRules } from "./network";
import type { Rule } from "./rule";
import { serviceRules } from "./services";

/** Every rule of the Rampart pack, by area. The pack (policies/index.ts) and the offline evaluator share it. */
export const RULES: readonly Rule[] = [
  ...networkResourceRules,
  ...networkStackRules,
  ...computeResourceRules,
  ...computeStackRules,
  ...containerRules,
  ...cloudflareResourceRules,
  ...cloudflareStackRules,
  ...serviceRules,
  ...eksRules,
  ...kubernetesResourceRules,
  ...kubernetesStackRules,
  ...datastoreRules,
];

export type { Rule, ResourceRule, StackRule, Anchors } from "./rule";
