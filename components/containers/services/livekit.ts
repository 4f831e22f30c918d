import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { port, type Target } from "@rampart/catalogue";
import { livekitStartCommand, renderLivekitKeyFile, renderLivekitSecretYaml, renderLivekitYaml } from "../../config/livekit";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import type { PortBinding } from "../port-bindings";
import { configDir, generatedSecret, secretOrGenerated, secretPath } from "./common";

export interface LivekitArgs {
  target: Target;
  image?: pulumi.Input<string>;
  /**
   * AWS: host networking (named exception) with the API bound to the host's private address.
   * Local: user-defined networks, media ports published on `publishAddress`.
   */
  hostNetwork: boolean;
  /** Host networking: the host's private address, where the API (7880) and Prometheus listen. */
  privateAddress?: pulumi.Input<string>;
  /** Networks when not on the host network (the edge proxy reaches the API through them). */
  networks?: NetworkAttachment[];
  /** Address the media ports are published on when not on the host network (127.0.0.1 locally). */
  publishAddress?: pulumi.Input<string>;
  /** Address announced in ICE candidates; on AWS LiveKit discovers it (use_external_ip). */
  nodeIp?: pulumi.Input<string>;
  redis: { host: pulumi.Input<string>; password: pulumi.Input<string> };
  /**
   * API key name; generated when omitted. Nodes that share one Redis must share their key and secret:
   * a room's token is checked by whichever node the participant reaches.
   */
  apiKey?: pulumi.Input<string>;
  /** API secret (>= 32 characters); generated when omitted. */
  apiSecret?: pulumi.Input<string>;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
}

const KEYS = "livekit-keys.yaml";
const SECRET_FRAGMENT = "livekit-secrets.yaml";

/**
 * LiveKit SFU: API keys from a 0400 key file, Redis for multi-node routing through its own ACL user,
 * rtc ports from the catalogue, embedded TURN off (coturn serves TURN), Prometheus with basic auth on
 * the admin-class port, JSON logs.
 */
export class Livekit extends pulumi.ComponentResource {
  public readonly apiKey: pulumi.Output<string>;
  public readonly apiSecret: pulumi.Output<string>;
  /** Password of the `prometheus` user of LiveKit's metrics endpoint (secret), for the scraper. */
  public readonly prometheusPassword: pulumi.Output<string>;
  /** Host or container name plus port where the API/signalling listens, for the edge proxy. */
  public readonly apiPort: number;

  constructor(name: string, args: LivekitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Livekit", name, {}, opts);
    const user = SERVICE_USERS.livekit;
    if (args.hostNetwork && args.privateAddress === undefined) {
      throw new pulumi.ResourceError("livekit: privateAddress is required with host networking (the API must not bind every interface)", this);
    }
    if (!args.hostNetwork && args.publishAddress === undefined) {
      throw new pulumi.ResourceError("livekit: publishAddress is required when media ports are published", this);
    }

    if (args.apiKey !== undefined) {
      this.apiKey = pulumi.output(args.apiKey);
    } else {
      const keyId = new random.RandomString(`${name}-api-key`, { length: 16, special: false, upper: true, lower: true, numeric: true }, { parent: this });
      this.apiKey = pulumi.interpolate`API${keyId.result}`;
    }
    this.apiSecret = secretOrGenerated(args.apiSecret, `${name}-api-secret`, this);
    const prometheusPassword = generatedSecret(`${name}-prometheus-password`, this);
    this.prometheusPassword = prometheusPassword;

    const yamlPath = `${configDir("livekit")}/livekit.yaml`;
    const yaml = pulumi.all([args.privateAddress, args.nodeIp]).apply(([privateAddress, nodeIp]) =>
      renderLivekitYaml({
        target: args.target,
        // In its own network namespace LiveKit may listen on all of the container's interfaces: only the
        // user-defined networks reach them. On the host it binds the private address and loopback.
        bindAddresses: args.hostNetwork ? [privateAddress as string, "127.0.0.1"] : ["0.0.0.0"],
        keyFilePath: secretPath(KEYS),
        useExternalIp: args.target === "aws",
        ...(nodeIp ? { nodeIp } : {}),
      }),
    );
    const keyFile = pulumi.all([this.apiKey, this.apiSecret]).apply(([k, s]) => renderLivekitKeyFile({ [k]: s }));
    const fragment = pulumi
      .all([args.redis.host, args.redis.password, prometheusPassword])
      .apply(([host, password, promPassword]) =>
        renderLivekitSecretYaml({
          redis: { address: host, username: "livekit", password },
          prometheus: { username: "prometheus", password: promPassword },
        }),
      );

    const ports: PortBinding[] = args.hostNetwork
      ? []
      : (["livekit-rtc-tcp", args.target === "aws" ? "livekit-rtc-udp" : "livekit-rtc-udp-mux"] as const).map((portId) => ({
          portId,
          hostIp: args.publishAddress as pulumi.Input<string>,
        }));

    new HardenedContainer(
      name,
      {
        service: "livekit",
        containerName: args.containerName ?? name,
        image: args.image ?? DEFAULT_IMAGES.livekit,
        uid: user.uid,
        gid: user.gid,
        ...(args.hostNetwork
          ? {
              hostNetwork: true,
              exceptions: ["host-network"],
              hostNetworkPorts: ["livekit-rtc-tcp", "livekit-rtc-udp", "livekit-api", "livekit-prometheus"],
            }
          : { networks: args.networks ?? [], ports }),
        tmpfs: { "/tmp": { sizeMiB: 16 } },
        configFiles: [{ path: yamlPath, content: yaml }],
        secretFiles: [
          { name: KEYS, content: keyFile },
          { name: SECRET_FRAGMENT, content: fragment },
        ],
        entrypoint: livekitStartCommand({ configPath: yamlPath, secretPath: secretPath(SECRET_FRAGMENT), mergedPath: "/tmp/livekit.yaml" }),
        memoryMiB: args.memoryMiB ?? 2048,
        cpus: args.cpus ?? 2,
        nofile: 1_048_576,
        healthcheck: {
          test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port("livekit-api").from}/`],
          interval: "15s",
          startPeriod: "20s",
        },
      },
      { parent: this },
    );

    this.apiPort = port("livekit-api").from;
    this.registerOutputs({ apiKey: this.apiKey, apiSecret: this.apiSecret });
  }
}
