/**
 * Runs CloudflareEdge under Pulumi's mock runtime and records every child resource's inputs, so tests can
 * assert on exactly what would be sent to Cloudflare and the TLS provider.
 *
 * Secret inputs arrive from the mock monitor wrapped as `{ [sigKey]: secretSig, value }`: `isSecretValue`
 * recognises the wrapper, `reveal` strips it for reading.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { CloudflareEdge, type CloudflareEdgeArgs } from "../../../components/edge";
import { isSecretValue, reveal } from "../../support/secrets";

export { isSecretValue, reveal };


export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** The PEM the mock providers return for a resource (label + resource name). */
export const mockPem = (label: string, seed: string) =>
  `-----BEGIN ${label}-----\n${createHash("sha256").update(seed).digest("base64")}\n-----END ${label}-----\n`;

/** What the real providers would compute for the outputs CloudflareEdge reads. */
function computed(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: mockPem("PRIVATE KEY", name) };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: mockPem("CERTIFICATE REQUEST", name) };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: mockPem("CERTIFICATE", name) };
    case "cloudflare:index/originCaCertificate:OriginCaCertificate":
      return { certificate: mockPem("CERTIFICATE", `origin-ca:${name}`) };
    default:
      return {};
  }
}

let recorded: Recorded[] = [];

export async function installMocks(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: `${args.name}-id`, state: { ...(args.inputs as Record<string, unknown>), ...computed(args.type, args.name) } };
      },
      call(args) {
        return args.inputs as Record<string, unknown>;
      },
    },
    "rampart",
    "edge-test",
    false,
  );
}

// Internal to @pulumi/pulumi but stable: resolves once every queued registration has reached the mock monitor.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

let counter = 0;

export interface Rendered {
  readonly edge: CloudflareEdge;
  readonly resources: Recorded[];
  /** Names of the resources a child was told to wait for (`dependsOn`), by child name. */
  readonly dependsOn: (name: string) => string[];
}

/** Builds a CloudflareEdge, waits for every child to register, and returns it with the recorded children. */
export async function renderEdge(args: CloudflareEdgeArgs): Promise<Rendered> {
  recorded = [];
  counter += 1;
  // The mock monitor does not see dependencies; a component transformation sees each child's options in-process.
  const names = new Map<pulumi.Resource, string>();
  const waits = new Map<string, unknown[]>();
  const edge = new CloudflareEdge(`edge${counter}`, args, {
    transformations: [
      ({ resource, name, opts }) => {
        names.set(resource, name);
        const d = opts.dependsOn;
        waits.set(name, Array.isArray(d) ? d : d === undefined ? [] : [d]);
        return undefined;
      },
    ],
  });
  const dependsOn = (name: string) => (waits.get(name) ?? []).map((r) => names.get(r as pulumi.Resource) ?? "<unknown>");
  await Promise.all([
    outputValue(edge.originCertificatePem),
    outputValue(edge.originPrivateKeyPem),
    outputValue(edge.originPullCaPem),
  ]);
  await settings.waitForRPCs();
  await new Promise((r) => setTimeout(r, 0));
  await settings.waitForRPCs();
  return { edge, resources: recorded, dependsOn };
}

export function ofType(resources: readonly Recorded[], type: string): Recorded[] {
  return resources.filter((r) => r.type === type);
}

export function one(resources: readonly Recorded[], type: string): Recorded {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0]!;
}

export interface RuleInputs {
  ref: string;
  description: string;
  expression: string;
  action: string;
  enabled: boolean;
  actionParameters?: { id?: string; phases?: string[] };
  logging?: { enabled: boolean };
  ratelimit?: {
    characteristics: string[];
    period: number;
    requestsPerPeriod: number;
    mitigationTimeout: number;
    requestsToOrigin: boolean;
    countingExpression?: string;
  };
}

/** The inputs of the zone ruleset of a phase. */
export function rulesetOf(resources: readonly Recorded[], phase: string): { kind: string; phase: string; zoneId: string; rules: RuleInputs[] } {
  const found = ofType(resources, "cloudflare:index/ruleset:Ruleset").filter((r) => r.inputs.phase === phase);
  if (found.length !== 1) throw new Error(`expected one ruleset in phase ${phase}, found ${found.length}`);
  return reveal(found[0]!.inputs);
}

export const ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";

/** A complete, valid set of arguments (example.com, TEST-NET addresses). */
export function baseArgs(overrides: Partial<CloudflareEdgeArgs> = {}): CloudflareEdgeArgs {
  return {
    zoneId: ZONE_ID,
    domain: "example.com",
    plan: "free",
    hostnames: { app: "app.example.com", livekit: "livekit.example.com", turn: "turn.example.com", media: "media.example.com" },
    originIp: "203.0.113.10",
    mediaIp: "203.0.113.20",
    allowedOrigins: ["https://app.example.com"],
    ...overrides,
  };
}
