import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dataResourceOptions } from "../protection";

export interface ManagedSearchArgs {
  /** Private subnets in three availability zones. */
  subnetIds: pulumi.Input<string>[];
  /** The vpc-class security group: the only way in. */
  securityGroupIds: pulumi.Input<string>[];
  kmsKeyArn: pulumi.Input<string>;
  /** IAM roles (IRSA) of the workloads that may query the domain; nobody else may. */
  clientRoleArns: pulumi.Input<string>[];
  instanceType: string;
  /** Data nodes, a multiple of 3. */
  instanceCount: number;
  masterInstanceType: string;
  volumeGiB: number;
  /** OpenSearch engine version (default OpenSearch_2.19). */
  engineVersion?: string;
  /** Let destroy and replacements delete the domain and its indices (default false: protected). */
  allowDataDeletion?: boolean;
}

const DEFAULTS = {
  engineVersion: "OpenSearch_2.19",
  zones: 3,
  dedicatedMasters: 3,
  // TLS 1.2 at least, with perfect forward secrecy ciphers only.
  tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10",
  masterUser: "rampart-admin",
} as const;

/**
 * Search for aws-scale: an Amazon OpenSearch Service domain inside the VPC (no public endpoint), data nodes
 * over three availability zones with three dedicated masters, node-to-node and at-rest encryption, HTTPS
 * enforced with a TLS 1.2+ policy, fine-grained access control with the master user's password generated
 * as a secret, and an access policy that names only the client roles.
 */
export class ManagedSearch extends pulumi.ComponentResource {
  public readonly endpoint: pulumi.Output<string>;
  public readonly domainArn: pulumi.Output<string>;
  public readonly masterUserName: string;
  public readonly masterPassword: pulumi.Output<string>;

  constructor(name: string, args: ManagedSearchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:data:ManagedSearch", name, {}, opts);
    if (args.instanceCount % DEFAULTS.zones !== 0) {
      throw new pulumi.ResourceError(`ManagedSearch: ${args.instanceCount} data nodes cannot spread evenly over ${DEFAULTS.zones} zones`, this);
    }
    if (args.subnetIds.length < DEFAULTS.zones) {
      throw new pulumi.ResourceError(`ManagedSearch: needs a subnet in each of ${DEFAULTS.zones} availability zones`, this);
    }
    if (args.clientRoleArns.length === 0) throw new pulumi.ResourceError("ManagedSearch: name at least one client role; an empty access policy would be meaningless", this);
    const child = { parent: this };

    // OpenSearch wants an upper, a lower, a digit and a special character in the master password.
    const password = new random.RandomPassword(`${name}-master-password`, {
      length: 40,
      special: true,
      overrideSpecial: "-_.+",
      minLower: 4,
      minUpper: 4,
      minNumeric: 4,
      minSpecial: 2,
    }, child);
    this.masterPassword = pulumi.secret(password.result);
    this.masterUserName = DEFAULTS.masterUser;

    const region = aws.getRegionOutput({}, child);
    const identity = aws.getCallerIdentityOutput({}, child);
    const partition = aws.getPartitionOutput({}, child);
    const domainArn = pulumi.interpolate`arn:${partition.partition}:es:${region.region}:${identity.accountId}:domain/${name}`;

    const domain = new aws.opensearch.Domain(name, {
      domainName: name,
      engineVersion: args.engineVersion ?? DEFAULTS.engineVersion,
      clusterConfig: {
        instanceType: args.instanceType,
        instanceCount: args.instanceCount,
        zoneAwarenessEnabled: true,
        zoneAwarenessConfig: { availabilityZoneCount: DEFAULTS.zones },
        dedicatedMasterEnabled: true,
        dedicatedMasterCount: DEFAULTS.dedicatedMasters,
        dedicatedMasterType: args.masterInstanceType,
      },
      vpcOptions: { subnetIds: args.subnetIds.slice(0, DEFAULTS.zones), securityGroupIds: args.securityGroupIds },
      ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: args.volumeGiB },
      encryptAtRest: { enabled: true, kmsKeyId: args.kmsKeyArn },
      nodeToNodeEncryption: { enabled: true },
      domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: DEFAULTS.tlsSecurityPolicy },
      advancedSecurityOptions: {
        enabled: true,
        anonymousAuthEnabled: false,
        internalUserDatabaseEnabled: true,
        masterUserOptions: { masterUserName: DEFAULTS.masterUser, masterUserPassword: this.masterPassword },
      },
      accessPolicies: pulumi.all([pulumi.output(args.clientRoleArns), domainArn]).apply(([roles, arn]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: roles }, Action: ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"], Resource: `${arn}/*` }],
        }),
      ),
      softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
      // OpenSearch Service has no deletion protection and no final snapshot: `protect` is the guard.
    }, { ...child, ...dataResourceOptions("guarded", args.allowDataDeletion) });

    this.endpoint = domain.endpoint;
    this.domainArn = domain.arn;
    this.registerOutputs({ endpoint: this.endpoint, domainArn: this.domainArn });
  }
}
