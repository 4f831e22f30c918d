/**
 * Runs Pulumi programs under the mock runtime and captures every registered resource's inputs.
 *
 * Secret inputs arrive from the mock monitor wrapped as `{ [sigKey]: secretSig, value }`; `isSecretValue`
 * recognises them and `reveal` strips the wrapper so assertions can read the values.
 *
 * The real-Docker suite (test/containers/) uses `captureContainers` to obtain the exact
 * `docker:index/container:Container` inputs a component declares and runs them on an engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { captureRegistrations, type PlanResource } from "../../../infra/plan/capture";
import { isSecretValue, reveal } from "../../support/secrets";

export { isSecretValue, reveal };


export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the mock monitor deserialises them (secretness pushed up to the enclosing array). */
  readonly inputs: Record<string, unknown>;
}

/** Inputs as the engine receives them, with each secret leaf replaced by "[secret]" (the plan's view). */
export function maskedInputs(r: CapturedResource): Record<string, unknown> {
  const found = wire.find((w) => w.type === r.type && w.name === r.name);
  if (!found) throw new Error(`no wire registration for ${r.type} ${r.name}`);
  return found.inputs;
}

let wire: PlanResource[] = [];

const FAKE_PEM = (label: string, seed: string) =>
  `-----BEGIN ${label}-----\n${createHash("sha256").update(seed).digest("base64")}\n-----END ${label}-----\n`;

/** Outputs the providers would compute, for the resource types Rampart's containers use. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString": {
      const length = typeof inputs.length === "number" ? inputs.length : 32;
      const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
      const digest = createHash("sha512").update(name).digest();
      const result = Array.from({ length }, (_, i) => alphabet[digest[i % digest.length]! % alphabet.length]).join("");
      return { result };
    }
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: FAKE_PEM("PRIVATE KEY", name), publicKeyPem: FAKE_PEM("PUBLIC KEY", name) };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: FAKE_PEM("CERTIFICATE", name) };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: FAKE_PEM("CERTIFICATE REQUEST", name) };
    case "docker:index/image:Image":
      return { repoDigest: `${String(inputs.imageName).split(":")[0]}@sha256:${createHash("sha256").update(name).digest("hex")}` };
    default:
      return {};
  }
}

let captured: CapturedResource[] = [];

/** Installs the mocks once per test file (Pulumi's runtime is process-global). */
export async function installMocks(stack = "unit"): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        captured.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const state = { ...reveal<Record<string, unknown>>(args.inputs), ...computedState(args.type, args.name, args.inputs) };
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return reveal<Record<string, unknown>>(args.inputs);
      },
    },
    "rampart",
    stack,
    false,
  );
  wire = captureRegistrations();
}

// Internal, but the documented way to let every queued registration reach the mock monitor.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Runs `build`, waits for every registration, and returns the resources it registered. */
export async function capture(build: () => unknown): Promise<CapturedResource[]> {
  captured = [];
  wire.length = 0;
  const built = build();
  await settings.waitForRPCs();
  // Outputs resolve asynchronously after registration; let them settle, then drain again.
  await new Promise((r) => setTimeout(r, 0));
  await settings.waitForRPCs();
  void built;
  return captured;
}

export function containersOf(resources: readonly CapturedResource[]): CapturedResource[] {
  return resources.filter((r) => r.type === "docker:index/container:Container");
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
 * `rampart.seed-id` label holds the seed's id (the mocks give every resource the id `<name>-id`).
 */
export function seedFor(resources: readonly CapturedResource[], service: CapturedResource): CapturedResource {
  const labels = reveal<{ label: string; value: string }[]>(service.inputs.labels ?? []);
  const id = labels.find((l) => l.label === "rampart.seed-id")?.value;
  if (id === undefined) throw new Error(`${service.name} carries no rampart.seed-id label`);
  const seeds = seedContainersOf(resources).filter((r) => `${r.name}-id` === id);
  if (seeds.length !== 1) throw new Error(`${service.name}: rampart.seed-id ${id} matches ${seeds.length} seed containers`);
  return seeds[0]!;
}

/** The docker.Container inputs (secrets revealed) of each container, keyed by resource name. */
export async function captureContainers(build: () => unknown): Promise<Map<string, Record<string, unknown>>> {
  const resources = await capture(build);
  return new Map(containersOf(resources).map((r) => [r.name, reveal<Record<string, unknown>>(r.inputs)]));
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
