/**
 * Runs CloudflareEdge under the tests' Pulumi harness and records every child resource's inputs, so tests
 * can assert on exactly what would be sent to Cloudflare and the TLS provider.
 *
 * Secret inputs arrive from the mock monitor wrapped as `{ [sigKey]: secretSig, value }`: `isSecretValue`
 * recognises the wrapper, `reveal` strips it for reading.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { CloudflareEdge, type CloudflareEdgeArgs, type EdgeRulesInput } from "../../../components/edge";
import { declareAll, ofType, outputValue, type DeclaredResource, type MockAnswer } from "../../support/pulumi";
import { isSecretValue, reveal } from "../../support/secrets";
import { planned, rulesInput } from "./planned-rules";

export { isSecretValue, ofType, outputValue, reveal };

export type Recorded = DeclaredResource;

/** The PEM the mock providers return for a resource (label + resource name). */
export const mockPem = (label: string, seed: string) =>
  `-----BEGIN ${label}-----\n${createHash("sha256").update(seed).digest("base64")}\n-----END ${label}-----\n`;

/** The edge's own PEMs for the outputs CloudflareEdge reads, which the tests recompute to compare. */
function edgePems({ type, name }: pulumi.runtime.MockResourceArgs): MockAnswer | undefined {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return { state: { privateKeyPem: mockPem("PRIVATE KEY", name) } };
    case "tls:index/certRequest:CertRequest":
      return { state: { certRequestPem: mockPem("CERTIFICATE REQUEST", name) } };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { state: { certPem: mockPem("CERTIFICATE", name) } };
    case "cloudflare:index/originCaCertificate:OriginCaCertificate":
      return { state: { certificate: mockPem("CERTIFICATE", `origin-ca:${name}`) } };
    default:
      return undefined;
  }
}

export interface Rendered {
  readonly edge: CloudflareEdge;
  readonly resources: Recorded[];
  /** Names of the resources a child was told to wait for (`dependsOn`), by child name. */
  readonly dependsOn: (name: string) => string[];
}

/** Declares a CloudflareEdge as a stack's program and returns it with the children it registered. */
export async function renderEdge(args: CloudflareEdgeArgs): Promise<Rendered> {
  // The mock monitor does not see dependencies; a component transformation sees each child's options in-process.
  const names = new Map<pulumi.Resource, string>();
  const waits = new Map<string, unknown[]>();
  let edge: CloudflareEdge | undefined;
  const resources = await declareAll(
    () => {
      edge = new CloudflareEdge("edge", args, {
        transformations: [
          ({ resource, name, opts }) => {
            names.set(resource, name);
            const d = opts.dependsOn;
            waits.set(name, Array.isArray(d) ? d : d === undefined ? [] : [d]);
            return undefined;
          },
        ],
      });
    },
    { stack: "edge-test", answer: edgePems },
  );
  const dependsOn = (name: string) => (waits.get(name) ?? []).map((r) => names.get(r as pulumi.Resource) ?? "<unknown>");
  return { edge: edge!, resources, dependsOn };
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

/** Overrides of the component's own arguments, and of the planner input its rules are planned from. */
export type EdgeOverrides = Partial<Omit<CloudflareEdgeArgs, "rules">> & { readonly rules?: Partial<EdgeRulesInput> };

/** A complete, valid set of arguments (example.com, TEST-NET addresses, rules planned for the free plan). */
export function baseArgs({ rules, ...overrides }: EdgeOverrides = {}): CloudflareEdgeArgs {
  return {
    zoneId: ZONE_ID,
    domain: "example.com",
    originIp: "203.0.113.10",
    mediaIp: "203.0.113.20",
    ...overrides,
    rules: planned(rulesInput(rules)),
  };
}
