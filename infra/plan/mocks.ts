import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { INVOKE_FIXTURES } from "./fixtures";
import { REAL_RANDOM } from "./real-random";

/**
 * Pulumi mocks for the offline plan and the tests: every resource's state is its inputs plus the outputs
 * consumers read (addresses, ARNs, generated values). Generated values are deterministic per resource name
 * and marked as mock values, so a plan is reproducible and never mistaken for real material; a declaration
 * that is run asks for real random secrets instead (`randomSecrets: "real"`).
 */
const digest = (s: string) => createHash("sha256").update(s).digest("hex");

const mockPem = (kind: string, name: string) =>
  `-----BEGIN ${kind}-----\nMOCK${Buffer.from(digest(name)).toString("base64").slice(0, 60)}\n-----END ${kind}-----\n`;

export type Computed = (name: string, inputs: Record<string, unknown>) => Record<string, unknown>;

let hostCounter = 0;

const COMPUTED: Record<string, Computed> = {
  "aws:ec2/instance:Instance": () => ({ privateIp: `10.40.0.${10 + hostCounter++}`, arn: "arn:aws:ec2:eu-west-1:123456789012:instance/mock" }),
  "aws:ec2/eip:Eip": () => ({ publicIp: `203.0.113.${10 + hostCounter}`, allocationId: "eipalloc-mock" }),
  // EKS answers its endpoint, CA and OIDC issuer; ElastiCache and OpenSearch their endpoints (documentation names).
  "aws:eks/cluster:Cluster": (name, inputs) => ({
    endpoint: `https://MOCK${digest(name).slice(0, 16).toUpperCase()}.gr7.eu-west-1.eks.amazonaws.com`,
    certificateAuthority: { data: Buffer.from(mockPem("CERTIFICATE", `${name}-ca`)).toString("base64") },
    identities: [{ oidcs: [{ issuer: `https://oidc.eks.eu-west-1.amazonaws.com/id/MOCK${digest(name).slice(0, 16).toUpperCase()}` }] }],
    vpcConfig: { ...(inputs.vpcConfig as Record<string, unknown> | undefined), clusterSecurityGroupId: "sg-mock-eks-cluster" },
  }),
  "aws:elasticache/replicationGroup:ReplicationGroup": (name) => ({ primaryEndpointAddress: `master.${name}.mock.euw1.cache.amazonaws.com`, readerEndpointAddress: `replica.${name}.mock.euw1.cache.amazonaws.com` }),
  "aws:opensearch/domain:Domain": (name) => ({ endpoint: `vpc-${name}-mock.eu-west-1.es.amazonaws.com` }),
  "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
  "random:index/randomPassword:RandomPassword": (name, inputs) => ({
    result: digest(`password:${name}`).repeat(4).slice(0, Number(inputs.length ?? 32)),
    bcryptHash: "$2a$10$mock",
  }),
  "random:index/randomBytes:RandomBytes": (name, inputs) => {
    const bytes = Buffer.from(digest(`bytes:${name}`).repeat(8), "hex").subarray(0, Number(inputs.length ?? 32));
    return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
  },
  "random:index/randomString:RandomString": (name, inputs) => ({ result: digest(`string:${name}`).repeat(4).slice(0, Number(inputs.length ?? 16)) }),
  "random:index/randomId:RandomId": (name) => ({ hex: digest(`id:${name}`).slice(0, 16), b64Url: digest(`id:${name}`).slice(0, 11) }),
  "tls:index/privateKey:PrivateKey": (name) => ({
    privateKeyPem: mockPem("PRIVATE KEY", name),
    privateKeyOpenssh: mockPem("OPENSSH PRIVATE KEY", name),
    publicKeyPem: mockPem("PUBLIC KEY", name),
    publicKeyOpenssh: `ssh-ed25519 MOCK${digest(name).slice(0, 40)}`,
  }),
  "tls:index/selfSignedCert:SelfSignedCert": (name) => ({ certPem: mockPem("CERTIFICATE", name) }),
  "tls:index/locallySignedCert:LocallySignedCert": (name) => ({ certPem: mockPem("CERTIFICATE", name) }),
  "tls:index/certRequest:CertRequest": (name) => ({ certRequestPem: mockPem("CERTIFICATE REQUEST", name) }),
  "cloudflare:index/originCaCertificate:OriginCaCertificate": (name) => ({ certificate: mockPem("CERTIFICATE", name) }),
  "acme:index/certificate:Certificate": (name) => ({
    certificatePem: mockPem("CERTIFICATE", name),
    issuerPem: mockPem("CERTIFICATE", `${name}-issuer`),
    privateKeyPem: mockPem("EC PRIVATE KEY", name),
  }),
};

/** Ids whose format a consumer relies on (cloud-init finds the host's data disk by its EBS volume id). */
const COMPUTED_IDS: Record<string, (name: string) => string> = {
  "aws:ebs/volume:Volume": (name) => `vol-${digest(`volume:${name}`).slice(0, 17)}`,
};

/** What a caller answers for a resource instead of the defaults: `state` over the computed state, `id` for the id. */
export interface MockAnswer {
  id?: string;
  state?: Record<string, unknown>;
}

export interface MockOptions {
  /**
   * Values of @pulumi/random resources: derived from the resource name (the default: plans and assertions
   * are reproducible), or real random values, for declarations whose containers are started.
   */
  randomSecrets?: "deterministic" | "real";
  /** Answers for the resources a caller knows better (e.g. PEMs a test asserts on); undefined keeps the defaults. */
  answer?: (args: pulumi.runtime.MockResourceArgs) => MockAnswer | undefined;
}

export function planMocks(options: MockOptions = {}): pulumi.runtime.Mocks {
  hostCounter = 0;
  const computed = options.randomSecrets === "real" ? { ...COMPUTED, ...REAL_RANDOM } : COMPUTED;
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      const answer = options.answer?.(args);
      const state = { ...(computed[args.type]?.(args.name, args.inputs) ?? {}), ...answer?.state };
      const id = answer?.id ?? COMPUTED_IDS[args.type]?.(args.name) ?? (args.inputs.name && typeof args.inputs.name === "string" ? `${args.inputs.name}-id` : `${args.name}-id`);
      return {
        id,
        state: { arn: `arn:mock:${args.type}:${args.name}`, ...args.inputs, ...state },
      };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      const fixture = INVOKE_FIXTURES[args.token];
      if (!fixture) {
        throw new Error(`offline plan: no fixture for provider function ${args.token} (add one to infra/plan/fixtures.ts)`);
      }
      return fixture(args.inputs as Record<string, unknown>);
    },
  };
}
