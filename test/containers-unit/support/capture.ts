/**
 * Declares Rampart's container components under the tests' Pulumi harness and reads what they register.
 *
 * Secret inputs arrive wrapped as `{ [sigKey]: secretSig, value }`; `isSecretValue` recognises them and
 * `reveal` strips the wrapper so assertions can read the values.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isSecretValue, reveal } from "../../support/secrets";
import { declareAll, ofType, type DeclaredResource } from "../../support/pulumi";

export { isSecretValue, reveal };

export type CapturedResource = DeclaredResource;

/** Inputs as the engine receives them, with each secret leaf replaced by "[secret]" (the plan's view). */
export function maskedInputs(r: CapturedResource): Record<string, unknown> {
  return r.masked;
}

/** Runs `build` as a stack's program and returns the resources it registered. */
export function capture(build: () => unknown): Promise<CapturedResource[]> {
  // Ids by resource name: a service names its seed by the seed's id (`rampart.seed-id`), and the tests find
  // the seed from that label.
  return declareAll(build, { stack: "unit", answer: ({ name }) => ({ id: `${name}-id` }) });
}

export function containersOf(resources: readonly CapturedResource[]): CapturedResource[] {
  return ofType(resources, "docker:index/container:Container");
}

/** The containers that run (a service each): every container not declared `start: false`. */
export function serviceContainersOf(resources: readonly CapturedResource[]): CapturedResource[] {
  return containersOf(resources).filter((r) => r.inputs.start !== false);
}

/** The never-started upload seeds (`start: false`). */
export function seedContainersOf(resources: readonly CapturedResource[]): CapturedResource[] {
  return containersOf(resources).filter((r) => r.inputs.start === false);
}

/**
 * The seed of a service container, found the way the engine would link them: the service's
 * `rampart.seed-id` label holds the seed's id.
 */
export function seedFor(resources: readonly CapturedResource[], service: CapturedResource): CapturedResource {
  const labels = reveal<{ label: string; value: string }[]>(service.inputs.labels ?? []);
  const id = labels.find((l) => l.label === "rampart.seed-id")?.value;
  if (id === undefined) throw new Error(`${service.name} carries no rampart.seed-id label`);
  const seeds = seedContainersOf(resources).filter((r) => r.id === id);
  if (seeds.length !== 1) throw new Error(`${service.name}: rampart.seed-id ${id} matches ${seeds.length} seed containers`);
  return seeds[0]!;
}

/**
 * The error an Output's apply chain fails with (or undefined). Every internal promise of the Output is
 * awaited so a failing chain is not reported as an unhandled rejection.
 */
export async function outputError(o: pulumi.Output<unknown>): Promise<Error | undefined> {
  const internal = o as unknown as { isKnown: Promise<boolean>; isSecret: Promise<boolean>; promise(): Promise<unknown> };
  const results = await Promise.allSettled([internal.isKnown, internal.isSecret, internal.promise()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  return failed ? (failed.reason as Error) : undefined;
}
/** The docker.Container inputs the tests read (the provider's ContainerArgs, resolved). */
export interface ContainerInputs {
  name: string;
  image: string;
  user: string;
  readOnly: boolean;
  privileged: boolean;
  capabilities: { drops?: string[]; adds?: string[] };
  securityOpts: string[];
  memory: number;
  memorySwap: number;
  cpus: string;
  ulimits: { name: string; soft: number; hard: number }[];
  healthcheck: { tests: string[]; interval?: string; timeout?: string; retries?: number; startPeriod?: string };
  restart: string;
  maxRetryCount: number;
  logDriver: string;
  logOpts: Record<string, string>;
  init: boolean;
  networkMode: string;
  networksAdvanced?: { name: string; ipv4Address?: string; aliases?: string[] }[];
  ports?: { internal: number; external: number; ip: string; protocol: string }[];
  tmpfs: Record<string, string>;
  mounts: { type: string; source: string; target: string; readOnly: boolean; volumeOptions?: { noCopy?: boolean } }[];
  uploads?: { file: string; content: string; permissions: string; owner: string; group: string }[];
  start?: boolean;
  mustRun?: boolean;
  envs?: string[];
  entrypoints?: string[];
  command?: string[];
  labels: { label: string; value: string }[];
  pidMode?: string;
  ipcMode?: string;
  usernsMode?: string;
  volumes?: unknown;
  devices?: unknown;
}
