import * as pulumi from "@pulumi/pulumi";
import { port, type Target } from "@rampart/catalogue";
import { renderTurnSecretConf, renderTurnserverConf, turnserverStartCommand } from "../../config/coturn";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import type { PortBinding } from "../port-bindings";
import { configDir, secretOrGenerated, secretPath } from "./common";

export interface CoturnArgs {
  target: Target;
  image?: pulumi.Input<string>;
  /** AWS: host networking (named exception), listening on the host's private address. */
  hostNetwork: boolean;
  /**
   * Address coturn listens and relays on: the host's private address (host networking) or the
   * container's fixed address on its network.
   */
  listeningIp: pulumi.Input<string>;
  /** Public address announced for relays (1:1 NAT on AWS; 127.0.0.1 locally). */
  externalIp: pulumi.Input<string>;
  networks?: NetworkAttachment[];
  /** Address the TURN and relay ports are published on when not on the host network. */
  publishAddress?: pulumi.Input<string>;
  /** TURN realm (the TURN host name). */
  realm: pulumi.Input<string>;
  /** TLS certificate (chain) and key for TURNS; the key is kept secret. */
  tls: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
  /** REST API shared secret (>= 32 characters); generated when omitted. */
  authSecret?: pulumi.Input<string>;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
}

const SECRET_FRAGMENT = "turn-secret.conf";
const TLS_KEY = "turn-key.pem";
/** coturn's scratch: userdb, pid file and the merged config live here, never on the image. */
const SCRATCH = "/var/lib/coturn";

/** coturn with REST-secret auth only, TLS, the full denied-peer list, quotas and logs to stdout. */
export class Coturn extends pulumi.ComponentResource {
  /** The TURN REST API secret the gateway signs credentials with. */
  public readonly authSecret: pulumi.Output<string>;

  constructor(name: string, args: CoturnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Coturn", name, {}, opts);
    const user = SERVICE_USERS.coturn;
    this.authSecret = secretOrGenerated(args.authSecret, `${name}-auth-secret`, this);
    if (!args.hostNetwork && args.publishAddress === undefined) {
      throw new pulumi.ResourceError("coturn: publishAddress is required when TURN ports are published", this);
    }

    const confPath = `${configDir("coturn")}/turnserver.conf`;
    const certPath = `${configDir("coturn")}/turn-cert.pem`;
    const conf = pulumi.all([args.listeningIp, args.externalIp, args.realm]).apply(([listeningIp, externalIp, realm]) =>
      renderTurnserverConf({
        target: args.target,
        realm,
        listeningIps: [listeningIp],
        externalIp: { public: externalIp, private: listeningIp },
        tls: { certPath, keyPath: secretPath(TLS_KEY) },
        userDbPath: `${SCRATCH}/turndb`,
        pidFilePath: `${SCRATCH}/turnserver.pid`,
        // The exporter listens where TURN does (the private address on AWS, the edge network locally):
        // admin class, scraped by Prometheus, never on a wildcard address.
        prometheus: { address: listeningIp },
      }),
    );
    const relay = args.target === "aws" ? "turn-relay-udp" : "turn-relay-udp-local";
    const ports: PortBinding[] = args.hostNetwork
      ? []
      : (["turn-udp", "turn-tcp", "turns-tcp", relay] as const).map((portId) => ({ portId, hostIp: args.publishAddress as pulumi.Input<string> }));

    new HardenedContainer(
      name,
      {
        service: "coturn",
        containerName: args.containerName ?? name,
        image: args.image ?? DEFAULT_IMAGES.coturn,
        uid: user.uid,
        gid: user.gid,
        ...(args.hostNetwork
          ? { hostNetwork: true, exceptions: ["host-network"], hostNetworkPorts: ["turn-udp", "turn-tcp", "turns-tcp", relay, "coturn-prometheus"] }
          : { networks: args.networks ?? [], ports }),
        tmpfs: { [SCRATCH]: { sizeMiB: 16 } },
        configFiles: [
          { path: confPath, content: conf },
          { path: certPath, content: args.tls.certPem },
        ],
        secretFiles: [
          { name: SECRET_FRAGMENT, content: this.authSecret.apply(renderTurnSecretConf) },
          { name: TLS_KEY, content: args.tls.keyPem },
        ],
        entrypoint: turnserverStartCommand({ configPath: confPath, secretPath: secretPath(SECRET_FRAGMENT), mergedPath: `${SCRATCH}/turnserver.conf` }),
        memoryMiB: args.memoryMiB ?? 1024,
        cpus: args.cpus ?? 1,
        nofile: 1_048_576,
        healthcheck: {
          // A STUN binding request answered on the TURN port: the server is up and parsing requests.
          test: ["CMD-SHELL", pulumi.interpolate`turnutils_stunclient -p ${port("turn-udp").from} ${args.listeningIp} >/dev/null`],
          interval: "15s",
          startPeriod: "10s",
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
