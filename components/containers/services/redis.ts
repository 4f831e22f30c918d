import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import {
  gatewayAclUser,
  healthcheckAclUser,
  livekitAclUser,
  redisPasswordSha256,
  renderRedisAcl,
  renderRedisConf,
} from "../../config/redis";
import { declareDataVolume } from "../data-volume";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { configDir, secretOrGenerated, secretPath } from "./common";

export interface RedisArgs {
  image?: pulumi.Input<string>;
  /** The internal network, with this container's fixed address on it (Redis binds addresses, not names). */
  network: NetworkAttachment & { ipv4Address: string };
  /** Passwords of the ACL users; generated when omitted. */
  gatewayPassword?: pulumi.Input<string>;
  livekitPassword?: pulumi.Input<string>;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
  /** Let destroy and replacements delete the data volume (default false: protected and retained). */
  allowDataDeletion?: boolean;
}

const HEALTHCHECK_SECRET = "redis-healthcheck-password";
/** The official image's data directory, owned by its redis user: a new volume copies that ownership. */
const DATA = "/data";

/**
 * Redis with `user default off`, one ACL user per client (gateway, LiveKit) and a PING-only healthcheck
 * user; bound to its internal address (and loopback for the healthcheck); no port published. Keys persist
 * in an append-only file on a data volume (docs/data-protection.md#redis): the device nonces must outlive
 * a restart, or a request captured before it could be replayed after it; rate-limit windows, connection
 * leases and LiveKit's room registry come back with them. Pub/sub messages are never stored.
 */
export class Redis extends pulumi.ComponentResource {
  public readonly host: string;
  public readonly port: number;
  public readonly gatewayPassword: pulumi.Output<string>;
  public readonly livekitPassword: pulumi.Output<string>;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Redis", name, {}, opts);
    const memoryMiB = args.memoryMiB ?? 512;
    const user = SERVICE_USERS.redis;
    this.gatewayPassword = secretOrGenerated(args.gatewayPassword, `${name}-gateway-password`, this);
    this.livekitPassword = secretOrGenerated(args.livekitPassword, `${name}-livekit-password`, this);
    const healthcheckPassword = secretOrGenerated(undefined, `${name}-healthcheck-password`, this);

    const aclPath = `${configDir("redis")}/users.acl`;
    const confPath = `${configDir("redis")}/redis.conf`;
    // The ACL file holds SHA-256 hashes of 48-character random passwords, not the passwords: it is safe
    // in plain state, and the policy pack can read it (`user default off`).
    const acl = pulumi.unsecret(
      pulumi.all([this.gatewayPassword, this.livekitPassword, healthcheckPassword]).apply(([g, l, h]) =>
        renderRedisAcl([gatewayAclUser(redisPasswordSha256(g)), livekitAclUser(redisPasswordSha256(l)), healthcheckAclUser(redisPasswordSha256(h))]),
      ),
    );
    const containerName = args.containerName ?? name;
    const data = declareDataVolume(`${name}-data`, { volumeName: `${containerName}-data`, service: "redis", allowDataDeletion: args.allowDataDeletion }, this);
    const conf = renderRedisConf({
      bindAddresses: [args.network.ipv4Address, "127.0.0.1"],
      aclFilePath: aclPath,
      scratchDir: "/tmp",
      persistence: { dataDir: DATA },
      // Leave headroom under the container limit for Redis's own overhead.
      maxMemoryMiB: Math.max(16, Math.floor(memoryMiB * 0.75)),
    });

    new HardenedContainer(
      name,
      {
        service: "redis",
        containerName,
        image: args.image ?? DEFAULT_IMAGES.redis,
        uid: user.uid,
        gid: user.gid,
        networks: [args.network],
        tmpfs: { "/tmp": { sizeMiB: 16 } },
        volumes: [{ name: data.name, target: DATA, copyImageContent: true }],
        configFiles: [
          { path: confPath, content: conf },
          { path: aclPath, content: acl },
        ],
        secretFiles: [{ name: HEALTHCHECK_SECRET, content: healthcheckPassword }],
        command: ["redis-server", confPath],
        memoryMiB,
        cpus: args.cpus ?? 0.5,
        healthcheck: {
          test: [
            "CMD-SHELL",
            `REDISCLI_AUTH="$(cat ${secretPath(HEALTHCHECK_SECRET)})" redis-cli --no-auth-warning --user healthcheck -h 127.0.0.1 -p ${port("redis").from} ping | grep -q PONG`,
          ],
          interval: "15s",
          startPeriod: "10s",
        },
      },
      { parent: this },
    );
    this.host = args.network.ipv4Address;
    this.port = port("redis").from;
    this.registerOutputs({ host: this.host, port: this.port });
  }
}
