import { RampartContainers, type RampartContainersArgs } from "../../../components/containers/stack";

type StackTarget = RampartContainersArgs["target"];
type ArgsFor<T extends StackTarget> = Extract<RampartContainersArgs, { target: T }>;

/** Example inputs for each target, as the stacks' config would give them (TEST-NET / private ranges). */
export const STACK_ARGS: { [T in StackTarget]: ArgsFor<T> } = {
  // A Slack receiver, so Alertmanager has its secret file like every other service.
  local: { target: "local", monitoring: { receivers: { slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/test-only" } } },
  aws: {
    target: "aws",
    domain: "example.com",
    bindAddress: "10.40.1.10",
    publicAddress: "203.0.113.10",
    cloudflareRanges: ["173.245.48.0/20", "103.21.244.0/22", "2400:cb00::/32"],
    edgeTls: {
      certPem: "-----BEGIN CERTIFICATE-----\nORIGIN\n-----END CERTIFICATE-----\n",
      keyPem: "-----BEGIN PRIVATE KEY-----\nORIGINKEY\n-----END PRIVATE KEY-----\n",
      originPullCaPem: "-----BEGIN CERTIFICATE-----\nAOP\n-----END CERTIFICATE-----\n",
    },
    turnTls: {
      certPem: "-----BEGIN CERTIFICATE-----\nTURN\n-----END CERTIFICATE-----\n",
      keyPem: "-----BEGIN PRIVATE KEY-----\nTURNKEY\n-----END PRIVATE KEY-----\n",
    },
    images: { gateway: "rampart/gateway:0.1.0" },
    monitoring: { receivers: { slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/test-only" } },
  },
};

export function buildStack<T extends StackTarget>(target: T, overrides: Partial<ArgsFor<T>> = {}) {
  return new RampartContainers(`stack-${target}`, { ...STACK_ARGS[target], ...overrides });
}
