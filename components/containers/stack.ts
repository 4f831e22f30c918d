/**
 * RampartContainers: the six services on one Docker engine.
 *
 * Networks:
 * - `<prefix>-internal` (`internal: true`, no route out): Elasticsearch, Redis, the gateway and (locally)
 *   LiveKit's API. Nothing on it is published.
 * - `<prefix>-edge` (a plain bridge, because Docker publishes ports only from non-internal networks): the
 *   edge proxy and what it proxies to (gateway, and locally LiveKit), plus coturn locally.
 * Fixed subnets give Redis and Elasticsearch fixed addresses: both bind addresses, not names.
 *
 * Targets:
 * - aws: LiveKit and coturn use host networking by the named `host-network` exception (their media
 *   ranges cannot sensibly be published port by port); they bind the host's private address for
 *   API/metrics. The edge proxy publishes 443 on `edgePublishAddress` (the security group lets only
 *   Cloudflare reach it), the gateway's metrics go to the private address.
 * - local: no host networking at all. Docker Desktop's "host" network is the VM's, not the laptop's, so it
 *   would not behave like AWS anyway; instead only the edge proxy (443), LiveKit media (7881/tcp, the
 *   7882/udp mux) and TURN (3478, 5349, the small relay range) are published, all on 127.0.0.1.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import ipaddr from "ipaddr.js";
import { port, type Target } from "@rampart/catalogue";
import type { ImageService } from "./images";
import { LocalCertificates } from "./local-certificates";
import { generatedSecret } from "./services/common";
import { Coturn } from "./services/coturn";
import { EdgeProxy } from "./services/edge-proxy";
import { Elasticsearch } from "./services/elasticsearch";
import { Gateway, type GatewayBuild } from "./services/gateway";
import { Livekit } from "./services/livekit";
import { Redis } from "./services/redis";

export interface ServiceResources {
  memoryMiB?: number;
  cpus?: number;
}

export interface RampartContainersArgs {
  target: Target;
  /** Name prefix for containers, networks and volumes (default "rampart"). */
  prefix?: string;
  /** Where admin/vpc ports bind: 127.0.0.1 locally (default), the host's private address on AWS. */
  bindAddress?: pulumi.Input<string>;
  /** The host's public address (AWS: the Elastic IP), announced by coturn and LiveKit. */
  publicAddress?: pulumi.Input<string>;
  /** Address the edge proxy's 443 is published on (default: 127.0.0.1 locally, 0.0.0.0 on AWS). */
  edgePublishAddress?: pulumi.Input<string>;
  /** Base domain (default "rampart.localhost" locally). */
  domain?: string;
  /** Host names (defaults: app.<domain>, turn.<domain>). */
  hostnames?: { app?: string; turn?: string };
  /** Per-service image overrides (each must be pinned). */
  images?: Partial<Record<ImageService, pulumi.Input<string>>>;
  gatewayBuild?: GatewayBuild;
  /** Browser origins the gateway accepts (default https://<app host>). */
  allowedOrigins?: pulumi.Input<pulumi.Input<string>[]>;
  /** Cloudflare's IPv4+IPv6 ranges for set_real_ip_from (required on AWS). */
  cloudflareRanges?: pulumi.Input<pulumi.Input<string>[]>;
  /** Edge TLS: Origin CA certificate + key and the zone's origin-pull CA (required on AWS). */
  edgeTls?: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string>; originPullCaPem: pulumi.Input<string> };
  /** Publicly trusted certificate for TURNS (required on AWS). */
  turnTls?: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
  resources?: Partial<Record<"livekit" | "coturn" | "gateway" | "elasticsearch" | "redis" | "edge", ServiceResources>>;
  /** Secret overrides from `pulumi config --secret`; generated when omitted. */
  secrets?: { jwtSecret?: pulumi.Input<string>; turnSecret?: pulumi.Input<string>; livekitApiSecret?: pulumi.Input<string>; elasticPassword?: pulumi.Input<string> };
  /** Subnets of the two networks (defaults 172.30.10.0/24 and 172.30.20.0/24). */
  internalSubnet?: string;
  edgeSubnet?: string;
}

/** Host number of each container on the fixed subnets. */
const HOST = { redis: 10, elasticsearch: 11, gatewayIn: 12, livekit: 13, edge: 10, gatewayEdge: 12, livekitEdge: 13, coturn: 14 } as const;

function addressIn(subnet: string, host: number, what: string): string {
  const [network, bits] = ipaddr.IPv4.parseCIDR(subnet);
  if (bits > 24) throw new Error(`${what}: subnet ${subnet} is too small (use a /24 or larger)`);
  const octets = network.toByteArray();
  octets[3] = host;
  return octets.join(".");
}

export class RampartContainers extends pulumi.ComponentResource {
  public readonly internalNetworkName: pulumi.Output<string>;
  public readonly edgeNetworkName: pulumi.Output<string>;
  /** Public endpoints: the HTTPS entry and the TURN URIs handed to clients. */
  public readonly endpoints: pulumi.Output<{ https: string; turnUris: string[] }>;
  /** Local target only: the certificate a tester presents to the edge proxy (origin-pull stand-in). */
  public readonly localClientCertificate?: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string>; caCertPem: pulumi.Output<string> };

  constructor(name: string, args: RampartContainersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:RampartContainers", name, {}, opts);
    const target = args.target;
    const aws = target === "aws";
    const prefix = args.prefix ?? "rampart";
    const domain = args.domain ?? (aws ? undefined : "rampart.localhost");
    if (!domain) throw new Error("RampartContainers: domain is required on the aws target");
    const appHost = args.hostnames?.app ?? `app.${domain}`;
    const turnHost = args.hostnames?.turn ?? `turn.${domain}`;
    const bindAddress = args.bindAddress ?? (aws ? undefined : "127.0.0.1");
    if (bindAddress === undefined) throw new Error("RampartContainers: bindAddress (the host's private address) is required on aws");
    const publicAddress = args.publicAddress ?? (aws ? undefined : "127.0.0.1");
    if (publicAddress === undefined) throw new Error("RampartContainers: publicAddress is required on aws (coturn announces it)");
    if (aws) {
      const missing = (["cloudflareRanges", "edgeTls", "turnTls"] as const).filter((k) => args[k] === undefined);
      if (missing.length > 0) throw new Error(`RampartContainers: ${missing.join(", ")} required on aws`);
    }
    const internalSubnet = args.internalSubnet ?? "172.30.10.0/24";
    const edgeSubnet = args.edgeSubnet ?? "172.30.20.0/24";
    const at = {
      redis: addressIn(internalSubnet, HOST.redis, "internalSubnet"),
      elasticsearch: addressIn(internalSubnet, HOST.elasticsearch, "internalSubnet"),
      gatewayInternal: addressIn(internalSubnet, HOST.gatewayIn, "internalSubnet"),
      livekitInternal: addressIn(internalSubnet, HOST.livekit, "internalSubnet"),
      edge: addressIn(edgeSubnet, HOST.edge, "edgeSubnet"),
      edgeGateway: addressIn(edgeSubnet, 1, "edgeSubnet"),
      gatewayEdge: addressIn(edgeSubnet, HOST.gatewayEdge, "edgeSubnet"),
      livekitEdge: addressIn(edgeSubnet, HOST.livekitEdge, "edgeSubnet"),
      coturn: addressIn(edgeSubnet, HOST.coturn, "edgeSubnet"),
    };
    const res = args.resources ?? {};
    const child = { parent: this };

    const internal = new docker.Network(
      `${name}-internal`,
      { name: `${prefix}-internal`, driver: "bridge", internal: true, ipamConfigs: [{ subnet: internalSubnet }], labels: [{ label: "rampart.network", value: "internal" }] },
      child,
    );
    const edgeNet = new docker.Network(
      `${name}-edge`,
      { name: `${prefix}-edge`, driver: "bridge", internal: false, ipamConfigs: [{ subnet: edgeSubnet, gateway: at.edgeGateway }], labels: [{ label: "rampart.network", value: "edge" }] },
      child,
    );

    const local = aws
      ? undefined
      : new LocalCertificates(`${name}-local-certs`, { dnsNames: [appHost, turnHost, "localhost"], ipAddresses: ["127.0.0.1"] }, child);
    const edgeTls = args.edgeTls ?? { certPem: local!.serverCertPem, keyPem: local!.serverKeyPem, originPullCaPem: local!.originPullCaPem };
    const turnTls = args.turnTls ?? { certPem: local!.serverCertPem, keyPem: local!.serverKeyPem };

    const redis = new Redis(
      `${name}-redis`,
      { containerName: `${prefix}-redis`, image: args.images?.redis, network: { name: internal.name, ipv4Address: at.redis }, ...res.redis },
      child,
    );

    new Elasticsearch(
      `${name}-elasticsearch`,
      {
        containerName: `${prefix}-elasticsearch`,
        image: args.images?.elasticsearch,
        network: { name: internal.name, ipv4Address: at.elasticsearch },
        elasticPassword: args.secrets?.elasticPassword,
        ...res.elasticsearch,
      },
      child,
    );

    const coturn = new Coturn(
      `${name}-coturn`,
      {
        containerName: `${prefix}-coturn`,
        target,
        image: args.images?.coturn,
        hostNetwork: aws,
        listeningIp: aws ? bindAddress : at.coturn,
        externalIp: publicAddress,
        ...(aws ? {} : { networks: [{ name: edgeNet.name, ipv4Address: at.coturn }], publishAddress: "127.0.0.1" }),
        realm: turnHost,
        tls: turnTls,
        authSecret: args.secrets?.turnSecret,
        ...res.coturn,
      },
      child,
    );

    const livekit = new Livekit(
      `${name}-livekit`,
      {
        containerName: `${prefix}-livekit`,
        target,
        image: args.images?.livekit,
        hostNetwork: aws,
        redis: { host: at.redis, password: redis.livekitPassword },
        apiSecret: args.secrets?.livekitApiSecret,
        ...(aws
          ? { privateAddress: bindAddress, nodeIp: publicAddress }
          : {
              networks: [
                { name: internal.name, ipv4Address: at.livekitInternal },
                { name: edgeNet.name, ipv4Address: at.livekitEdge },
              ],
              publishAddress: "127.0.0.1",
              nodeIp: "127.0.0.1",
            }),
        ...res.livekit,
      },
      child,
    );

    const turnUris = [
      `turn:${aws ? turnHost : "127.0.0.1"}:${port("turn-udp").from}?transport=udp`,
      `turn:${aws ? turnHost : "127.0.0.1"}:${port("turn-tcp").from}?transport=tcp`,
      `turns:${aws ? turnHost : "localhost"}:${port("turns-tcp").from}?transport=tcp`,
    ];
    const httpsEntry = aws ? `https://${appHost}` : `https://localhost:${port("edge-https").from}`;

    new Gateway(
      `${name}-gateway`,
      {
        containerName: `${prefix}-gateway`,
        image: args.images?.gateway,
        ...(args.gatewayBuild ? { build: args.gatewayBuild } : {}),
        networks: [
          { name: internal.name, ipv4Address: at.gatewayInternal },
          { name: edgeNet.name, ipv4Address: at.gatewayEdge },
        ],
        metricsAddress: bindAddress,
        allowedOrigins: args.allowedOrigins ?? [aws ? `https://${appHost}` : httpsEntry],
        // Only the edge proxy's own address may tell the gateway who the client is.
        trustedProxies: [`${at.edge}/32`],
        jwt: { secret: args.secrets?.jwtSecret ?? generatedSecret(`${name}-jwt-secret`, this, 64) },
        livekit: { url: httpsEntry.replace(/^https:/, "wss:"), apiKey: livekit.apiKey, apiSecret: livekit.apiSecret },
        turn: { secret: coturn.authSecret, uris: turnUris },
        redis: { host: at.redis, password: redis.gatewayPassword },
        ...res.gateway,
      },
      child,
    );

    new EdgeProxy(
      `${name}-edge-proxy`,
      {
        containerName: `${prefix}-edge`,
        image: args.images?.edge,
        networks: [{ name: edgeNet.name, ipv4Address: at.edge }],
        publishAddress: args.edgePublishAddress ?? (aws ? "0.0.0.0" : "127.0.0.1"),
        serverNames: aws ? [appHost] : [appHost, "localhost"],
        tls: { certPem: edgeTls.certPem, keyPem: edgeTls.keyPem },
        originPullCaPem: edgeTls.originPullCaPem,
        // Locally there is no Cloudflare and no proxy to believe: loopback only, which never is the peer
        // (Docker forwards published connections from the edge network's gateway), so CF-Connecting-IP
        // is ignored and the peer address is the client address.
        cloudflareRanges: args.cloudflareRanges ?? ["127.0.0.1/32"],
        upstreams: {
          gatewayHost: at.gatewayEdge,
          // On AWS LiveKit is on the host network: the edge reaches its API on the private address.
          livekitHost: aws ? bindAddress : at.livekitEdge,
        },
        ...res.edge,
      },
      child,
    );

    this.internalNetworkName = internal.name;
    this.edgeNetworkName = edgeNet.name;
    this.endpoints = pulumi.output({ https: httpsEntry, turnUris });
    if (local) {
      this.localClientCertificate = { certPem: local.clientCertPem, keyPem: local.clientKeyPem, caCertPem: local.caCertPem };
    }
    this.registerOutputs({ internalNetworkName: this.internalNetworkName, edgeNetworkName: this.edgeNetworkName, endpoints: this.endpoints });
  }
}
