import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { GATEWAY_PATHS, port } from "@rampart/catalogue";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { SERVICE_USERS } from "../images";
import { secretPath } from "./common";

export interface GatewayBuild {
  /** Build context (default: the repository root, so the workspace lockfile is available). */
  context?: string;
  /** Dockerfile (default: gateway/Dockerfile). */
  dockerfile?: string;
  /** Build arguments, e.g. the production base image behind the Dockerfile's ARG. */
  args?: Record<string, pulumi.Input<string>>;
  /** Image name and exact version tag given to the built image. */
  imageName?: string;
}

export interface GatewayArgs {
  /** A pinned, prebuilt image; when omitted the image is built from gateway/Dockerfile. */
  image?: pulumi.Input<string>;
  build?: GatewayBuild;
  networks: NetworkAttachment[];
  /** Address the admin-class metrics port is published on (127.0.0.1 or the host's private address). */
  metricsAddress?: pulumi.Input<string>;
  allowedOrigins: pulumi.Input<pulumi.Input<string>[]>;
  /** CIDRs whose CF-Connecting-IP / X-Forwarded-For are believed: the edge proxy's address. */
  trustedProxies: pulumi.Input<pulumi.Input<string>[]>;
  jwt: { secret: pulumi.Input<string>; issuer?: pulumi.Input<string>; audience?: pulumi.Input<string> };
  livekit: { url: pulumi.Input<string>; apiKey: pulumi.Input<string>; apiSecret: pulumi.Input<string> };
  turn: { secret: pulumi.Input<string>; uris: pulumi.Input<pulumi.Input<string>[]> };
  redis: { host: pulumi.Input<string>; password: pulumi.Input<string> };
  /** FANOUT_KEY: the MAC key of room messages between gateway instances (>= 32 bytes, a secret). */
  fanoutKey: pulumi.Input<string>;
  /** ANOMALY_ALLOWLIST: CIDRs never counted or blocked per IP (default none). */
  anomalyAllowlist?: pulumi.Input<pulumi.Input<string>[]>;
  /** DEVICES_FILE content (JSON with device secrets); no device API when omitted. */
  devicesJson?: pulumi.Input<string>;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
}

const REPO_ROOT = path.resolve(__dirname, "../../..");

/** What the gateway's environment is made of, on either platform. */
export interface GatewayEnvironmentArgs {
  allowedOrigins: pulumi.Input<pulumi.Input<string>[]>;
  trustedProxies: pulumi.Input<pulumi.Input<string>[]>;
  jwt: { issuer?: pulumi.Input<string>; audience?: pulumi.Input<string> };
  livekit: { url: pulumi.Input<string>; apiKey: pulumi.Input<string> };
  turn: { uris: pulumi.Input<pulumi.Input<string>[]> };
  redis: { host: pulumi.Input<string> };
  devicesJson?: pulumi.Input<string>;
  /** ANOMALY_ALLOWLIST: CIDRs never counted or blocked per IP (default none). */
  anomalyAllowlist?: pulumi.Input<pulumi.Input<string>[]>;
  /** Metrics on every interface of the gateway's namespace (published or scraped) instead of loopback. */
  metricsOnAllInterfaces: boolean;
  /** rediss:// (TLS, e.g. ElastiCache) instead of redis://. */
  redisTls: boolean;
}

/**
 * The gateway's environment: plain settings only, every secret as a *_FILE path under /run/secrets. Shared
 * by the Docker container and the Kubernetes pod, so both configure the gateway alike.
 */
export function gatewayEnvironment(args: GatewayEnvironmentArgs): Record<string, pulumi.Input<string>> {
  const join = (list: pulumi.Input<pulumi.Input<string>[]>) => pulumi.output(list).apply((l) => l.join(","));
  return {
    NODE_ENV: "production",
    // 0.0.0.0 inside the container's namespace: reachable only over its own networks.
    GATEWAY_HOST: "0.0.0.0",
    GATEWAY_PORT: String(port("gateway-http").from),
    METRICS_HOST: args.metricsOnAllInterfaces ? "0.0.0.0" : "127.0.0.1",
    METRICS_PORT: String(port("gateway-metrics").from),
    ALLOWED_ORIGINS: join(args.allowedOrigins),
    TRUSTED_PROXIES: join(args.trustedProxies),
    JWT_SECRET_FILE: secretPath("jwt-secret"),
    LIVEKIT_URL: args.livekit.url,
    LIVEKIT_API_KEY: args.livekit.apiKey,
    LIVEKIT_API_SECRET_FILE: secretPath("livekit-api-secret"),
    TURN_SECRET_FILE: secretPath("turn-secret"),
    TURN_URIS: join(args.turn.uris),
    // The URL names the ACL user, not the password: that comes from the file.
    REDIS_URL: pulumi.interpolate`${args.redisTls ? "rediss" : "redis"}://gateway@${args.redis.host}:${port("redis").from}`,
    REDIS_PASSWORD_FILE: secretPath("redis-password"),
    FANOUT_KEY_FILE: secretPath("fanout-key"),
    ...(args.anomalyAllowlist !== undefined ? { ANOMALY_ALLOWLIST: join(args.anomalyAllowlist) } : {}),
    ...(args.jwt.issuer !== undefined ? { JWT_ISSUER: args.jwt.issuer } : {}),
    ...(args.jwt.audience !== undefined ? { JWT_AUDIENCE: args.jwt.audience } : {}),
    ...(args.devicesJson !== undefined ? { DEVICES_FILE: secretPath("devices.json") } : {}),
  };
}
const GATEWAY_VERSION = "0.1.0";

/**
 * The Rampart gateway (docs/gateway-protocol.md): configuration from the environment, every secret as a *_FILE path to
 * a 0400 file, listening inside its own network namespace (reached by the edge proxy over the edge
 * network), metrics published only on an admin address.
 */
export class Gateway extends pulumi.ComponentResource {
  public readonly port: number;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Gateway", name, {}, opts);
    const user = SERVICE_USERS.gateway;
    const image = args.image ?? this.buildImage(name, args.build ?? {});

    const env = gatewayEnvironment({ ...args, metricsOnAllInterfaces: args.metricsAddress !== undefined, redisTls: false });

    new HardenedContainer(
      name,
      {
        service: "gateway",
        containerName: args.containerName ?? name,
        image,
        uid: user.uid,
        gid: user.gid,
        networks: args.networks,
        ports: args.metricsAddress === undefined ? [] : [{ portId: "gateway-metrics", hostIp: args.metricsAddress }],
        tmpfs: { "/tmp": { sizeMiB: 32 } },
        secretFiles: [
          { name: "jwt-secret", content: args.jwt.secret },
          { name: "livekit-api-secret", content: args.livekit.apiSecret },
          { name: "turn-secret", content: args.turn.secret },
          { name: "redis-password", content: args.redis.password },
          { name: "fanout-key", content: args.fanoutKey },
          ...(args.devicesJson !== undefined ? [{ name: "devices.json", content: args.devicesJson }] : []),
        ],
        env,
        memoryMiB: args.memoryMiB ?? 512,
        cpus: args.cpus ?? 1,
        healthcheck: {
          test: [
            "CMD",
            "node",
            "-e",
            `fetch("http://127.0.0.1:${port("gateway-http").from}${GATEWAY_PATHS.health}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
          ],
          interval: "15s",
          startPeriod: "15s",
        },
      },
      { parent: this },
    );
    this.port = port("gateway-http").from;
    this.registerOutputs({});
  }

  private buildImage(name: string, build: GatewayBuild): pulumi.Output<string> {
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: build.imageName ?? `rampart/gateway:${GATEWAY_VERSION}`,
        build: {
          context: build.context ?? REPO_ROOT,
          dockerfile: build.dockerfile ?? path.join(REPO_ROOT, "gateway", "Dockerfile"),
          platform: "linux/amd64",
          ...(build.args ? { args: build.args } : {}),
        },
        skipPush: true,
      },
      { parent: this },
    );
    return image.imageName;
  }
}
