import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import { ELASTICACHE_DEFAULT_ACCESS, elasticacheAccessString } from "../config/elasticache";
import { gatewayAclUser, livekitAclUser, type RedisAclUser } from "../config/redis";
import { generatedSecret } from "../containers/services/common";
import { DATA_PROTECTION_DEFAULTS, dataResourceOptions } from "../protection";

export interface ManagedRedisArgs {
  /** Private subnets, one per availability zone (at least two). */
  subnetIds: pulumi.Input<string>[];
  /** The vpc-class security group: the only way in. */
  securityGroupIds: pulumi.Input<string>[];
  /** KMS key for at-rest encryption. */
  kmsKeyArn: pulumi.Input<string>;
  nodeType: string;
  /** Read replicas of the primary (>= 1 for automatic failover). */
  replicas: number;
  /** Valkey major.minor (default 8.1). */
  engineVersion?: string;
  /** Days of daily automated backups (default 7, at least 1). */
  snapshotRetentionDays?: number;
  /** Let destroy and replacements delete the group with no final snapshot (default false: protected). */
  allowDataDeletion?: boolean;
}

const DEFAULTS = { engineVersion: "8.1", snapshotRetentionDays: 7 } as const;

/** The per-client users, with the ACL rules of components/config/redis.ts; the hash argument is unused here. */
const CLIENTS: Record<"gateway" | "livekit", (sha: string) => RedisAclUser> = { gateway: gatewayAclUser, livekit: livekitAclUser };

/**
 * Redis for aws-scale: an ElastiCache (Valkey) replication group, Multi-AZ with automatic failover, TLS in
 * transit (required, not preferred), at-rest encryption with the stack's KMS key, in private subnets behind
 * the vpc-class security group, and RBAC: the default user off, one user per client with exactly the
 * commands, keys and channels of its Redis ACL user.
 */
export class ManagedRedis extends pulumi.ComponentResource {
  /** Primary endpoint (TLS), for the clients. */
  public readonly host: pulumi.Output<string>;
  public readonly port: number;
  public readonly gatewayPassword: pulumi.Output<string>;
  public readonly livekitPassword: pulumi.Output<string>;

  constructor(name: string, args: ManagedRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:data:ManagedRedis", name, {}, opts);
    if (args.replicas < 1) throw new pulumi.ResourceError("ManagedRedis: automatic failover needs at least one replica", this);
    if (args.subnetIds.length < 2) throw new pulumi.ResourceError("ManagedRedis: Multi-AZ needs subnets in at least two availability zones", this);
    const snapshotRetentionDays = args.snapshotRetentionDays ?? DEFAULTS.snapshotRetentionDays;
    if (!Number.isInteger(snapshotRetentionDays) || snapshotRetentionDays < 1 || snapshotRetentionDays > 35) {
      throw new pulumi.ResourceError(`ManagedRedis: snapshotRetentionDays ${snapshotRetentionDays} must be a whole number of days from 1 to 35 (ElastiCache's range)`, this);
    }
    const allowDataDeletion = args.allowDataDeletion ?? DATA_PROTECTION_DEFAULTS.allowDataDeletion;
    const child = { parent: this };
    const engine = "valkey";

    const passwords = {
      gateway: generatedSecret(`${name}-gateway-password`, this),
      livekit: generatedSecret(`${name}-livekit-password`, this),
    };
    const users = (Object.keys(CLIENTS) as Array<keyof typeof CLIENTS>).map(
      (client) =>
        new aws.elasticache.User(`${name}-${client}`, {
          userId: `${name}-${client}`,
          userName: client,
          engine,
          accessString: elasticacheAccessString(CLIENTS[client]("")),
          authenticationMode: { type: "password", passwords: [passwords[client]] },
        }, child),
    );
    // Every user group must hold a user named "default": it is off and may do nothing.
    const defaultUser = new aws.elasticache.User(`${name}-default`, {
      userId: `${name}-default`,
      userName: "default",
      engine,
      accessString: ELASTICACHE_DEFAULT_ACCESS,
      authenticationMode: { type: "password", passwords: [generatedSecret(`${name}-default-password`, this)] },
    }, child);
    const group = new aws.elasticache.UserGroup(`${name}-users`, {
      userGroupId: `${name}-users`,
      engine,
      userIds: [defaultUser.userId, ...users.map((u) => u.userId)],
    }, child);

    const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, {
      name: `${name}-subnets`,
      description: "Rampart ElastiCache: private subnets only",
      subnetIds: args.subnetIds,
    }, child);

    const replication = new aws.elasticache.ReplicationGroup(`${name}`, {
      replicationGroupId: name,
      description: "Rampart shared state: rooms, caps, limits, blocks, LiveKit routing",
      engine,
      engineVersion: args.engineVersion ?? DEFAULTS.engineVersion,
      nodeType: args.nodeType,
      port: port("redis").from,
      numCacheClusters: 1 + args.replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      kmsKeyId: args.kmsKeyArn,
      userGroupIds: [group.userGroupId],
      subnetGroupName: subnets.name,
      securityGroupIds: args.securityGroupIds,
      autoMinorVersionUpgrade: true,
      // The device nonces must outlive a failure of every node (as the container's append-only file does):
      // daily backups, and a final snapshot when the group is deleted.
      snapshotRetentionLimit: snapshotRetentionDays,
      ...(allowDataDeletion ? {} : { finalSnapshotIdentifier: `${name}-final` }),
      applyImmediately: false,
    }, { ...child, ...dataResourceOptions("guarded", allowDataDeletion) });

    this.host = replication.primaryEndpointAddress;
    this.port = port("redis").from;
    this.gatewayPassword = passwords.gateway;
    this.livekitPassword = passwords.livekit;
    this.registerOutputs({ host: this.host, port: this.port });
  }
}
