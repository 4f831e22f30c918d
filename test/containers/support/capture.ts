/**
 * Runs Pulumi components under the mock runtime and captures the `docker:index/container:Container`
 * inputs they declare, exactly as the engine would receive them (secrets unwrapped, their paths noted).
 * Nothing is deployed: the mocks only record and echo.
 */
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export const CONTAINER_TYPE = "docker:index/container:Container";

export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs with every secret replaced by its plaintext. */
  readonly inputs: Record<string, unknown>;
  /** JSON-style paths (e.g. `uploads[0].content`) whose values arrived as Pulumi secrets. */
  readonly secretPaths: readonly string[];
  readonly id: string;
}

const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;
const UNKNOWN = pulumi.runtime.unknownValue;

/** Replaces secret envelopes by their plaintext and records where they were. Unknowns are an error. */
export function unwrapSecrets(value: unknown, path: string, secretPaths: string[]): unknown {
  if (value === UNKNOWN) throw new Error(`captured input ${path || "(root)"} is unknown: the mocks cannot resolve it`);
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secretPaths));
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
      secretPaths.push(path);
      return unwrapSecrets(obj.value, path, []);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = unwrapSecrets(v, path ? `${path}.${k}` : k, secretPaths);
    return out;
  }
  return value;
}

export interface CaptureOptions {
  /**
   * Give @pulumi/tls resources inert PEM-shaped outputs. Only for declaration checks that never run the
   * result: a container given these would not start, and the engine tests pass real PEMs instead.
   */
  inertTls?: boolean;
}

const INERT_PEM = "-----BEGIN INERT TEST VALUE-----\nbm90IGEgcmVhbCBrZXk=\n-----END INERT TEST VALUE-----\n";

/** Outputs the mocks add to resources whose outputs the components read (generated secrets). */
function mockOutputs(type: string, name: string, inputs: Record<string, unknown>, options: CaptureOptions): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString": {
      const length = typeof inputs.length === "number" ? inputs.length : 32;
      // Alphanumeric keeps the value valid in every config syntax the services read.
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      const bytes = randomBytes(length);
      const result = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
      return { result };
    }
    case "random:index/randomId:RandomId": {
      const bytes = randomBytes(typeof inputs.byteLength === "number" ? inputs.byteLength : 16);
      return { hex: bytes.toString("hex"), b64Url: bytes.toString("base64url"), b64Std: bytes.toString("base64") };
    }
    default:
      if (type.startsWith("tls:") && options.inertTls) {
        return { privateKeyPem: INERT_PEM, publicKeyPem: INERT_PEM, certPem: INERT_PEM, certRequestPem: INERT_PEM, privateKeyOpenssh: INERT_PEM, publicKeyOpenssh: INERT_PEM };
      }
      if (type.startsWith("tls:")) {
        throw new Error(
          `${name}: the container suite has no mock state for ${type}; pass real certificate/key values ` +
            `(the suite generates them with openssl) as component inputs instead`,
        );
      }
      return { name: inputs.name ?? name };
  }
}

type WaitForRpcs = () => Promise<void>;

/** Lets the mock runtime finish every registration the construction started. */
async function settle(count: () => number): Promise<void> {
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: WaitForRpcs }).waitForRPCs;
  let last = -1;
  for (let round = 0; round < 200; round++) {
    if (waitForRPCs) await waitForRPCs();
    await new Promise((r) => setTimeout(r, 20));
    const now = count();
    if (now === last) return;
    last = now;
  }
  throw new Error("Pulumi mock runtime did not settle within 200 rounds");
}

/**
 * Constructs whatever `build` constructs under Pulumi's mock runtime and returns every resource it
 * registered, with inputs resolved. `build` may return outputs to await (e.g. a component's outputs).
 */
export async function captureResources(build: () => unknown, options: CaptureOptions = {}): Promise<CapturedResource[]> {
  const captured: CapturedResource[] = [];
  let failure: unknown;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        try {
          const secretPaths: string[] = [];
          const inputs = unwrapSecrets(args.inputs, "", secretPaths) as Record<string, unknown>;
          const id = `${args.name}-id`;
          captured.push({ type: args.type, name: args.name, inputs, secretPaths, id });
          // Echo the inputs as they arrived (secrets stay secret in the component's own outputs).
          return { id, state: { ...args.inputs, ...mockOutputs(args.type, args.name, inputs, options) } };
        } catch (err) {
          failure ??= err;
          throw err;
        }
      },
      call(args) {
        return args.inputs;
      },
    },
    "rampart",
    "containers-test",
    false,
  );
  const result = build();
  await settle(() => captured.length);
  if (result !== undefined) {
    const out = pulumi.output(result as pulumi.Input<unknown>) as pulumi.Output<unknown>;
    await new Promise<void>((resolve) => out.apply(() => resolve()));
  }
  await settle(() => captured.length);
  if (failure) throw failure;
  return captured;
}

/** The docker.Container resources among the captured ones, by logical name. */
export function containersOf(resources: readonly CapturedResource[]): CapturedResource[] {
  return resources.filter((r) => r.type === CONTAINER_TYPE);
}

export function onlyContainer(resources: readonly CapturedResource[], what: string): CapturedResource {
  const containers = containersOf(resources);
  if (containers.length !== 1) {
    throw new Error(`${what} declared ${containers.length} docker containers, expected exactly one: ${containers.map((c) => c.name).join(", ")}`);
  }
  return containers[0]!;
}

/**
 * A component's containers split into the service (started) and helpers created but never started
 * (`start: false`), such as a seeding container that carries uploads into shared volumes. Helpers are
 * created first, as their uploads must be in place before the service starts.
 */
export function serviceAndHelpers(resources: readonly CapturedResource[], what: string): { service: CapturedResource; helpers: CapturedResource[] } {
  const containers = containersOf(resources);
  const started = containers.filter((c) => c.inputs.start !== false);
  if (started.length !== 1) {
    throw new Error(`${what} declared ${started.length} started docker containers, expected exactly one: ${started.map((c) => c.name).join(", ")}`);
  }
  return { service: started[0]!, helpers: containers.filter((c) => c.inputs.start === false) };
}
