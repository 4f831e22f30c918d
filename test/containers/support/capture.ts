/**
 * Declares Pulumi components under the tests' Pulumi harness and captures the `docker:index/container:Container`
 * inputs they declare, exactly as the engine would receive them (secrets unwrapped, their paths noted).
 * Nothing is deployed: the mocks only record and answer.
 */
import * as pulumi from "@pulumi/pulumi";
import { declareAll, ofType } from "../../support/pulumi";

export const CONTAINER_TYPE = "docker:index/container:Container";

export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs with every secret replaced by its plaintext. */
  readonly inputs: Record<string, unknown>;
  /** JSON-style paths (e.g. `uploads[0].content`) whose values arrived as Pulumi secrets. */
  readonly secretPaths: readonly string[];
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
   * Let @pulumi/tls resources have the mocks' inert PEM-shaped outputs. Only for declaration checks that
   * never run the result: a container given these would not start, and the engine tests pass real PEMs instead.
   */
  inertTls?: boolean;
}

/** The engine suite runs what it declares: a TLS resource would hand a container a PEM it cannot use. */
function refuseTls({ type, name }: pulumi.runtime.MockResourceArgs): undefined {
  if (type.startsWith("tls:")) {
    throw new Error(
      `${name}: the container suite has no mock state for ${type}; pass real certificate/key values ` +
        `(the suite generates them with openssl) as component inputs instead`,
    );
  }
  return undefined;
}

/**
 * Constructs whatever `build` constructs as a stack's program under the tests' Pulumi harness and returns
 * every resource it registered, with inputs resolved. Generated secrets are real random values, so the
 * containers declared with them can start.
 */
export async function captureResources(build: () => unknown, options: CaptureOptions = {}): Promise<CapturedResource[]> {
  const declared = await declareAll(build, {
    stack: "containers-test",
    randomSecrets: "real",
    ...(options.inertTls ? {} : { answer: refuseTls }),
  });
  return declared.map((r) => {
    const secretPaths: string[] = [];
    const inputs = unwrapSecrets(r.inputs, "", secretPaths) as Record<string, unknown>;
    return { type: r.type, name: r.name, inputs, secretPaths };
  });
}

/** The docker.Container resources among the captured ones, by logical name. */
export function containersOf(resources: readonly CapturedResource[]): CapturedResource[] {
  return ofType(resources, CONTAINER_TYPE);
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
