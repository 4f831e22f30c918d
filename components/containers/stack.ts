/**
 * RampartContainers: the six services and their monitoring (Prometheus, Alertmanager, Grafana, a blackbox
 * exporter) on one Docker engine.
 *
 * Networks:
 * - `<prefix>-internal` (`internal: true`, no route out): Elasticsearch, Redis, the gateway and (locally)
 *   LiveKit's API. Nothing on it is published.
 * - `<prefix>-edge` (a plain bridge, because Docker publishes ports only from non-internal networks): the
 *   edge proxy and what it proxies to (gateway, and locally LiveKit), plus coturn locally.
 * - `<prefix>-monitoring` (a plain bridge: its UIs are published on admin addresses and Alertmanager must
 *   reach Slack or SMTP): Prometheus, Alertmanager and Grafana. Prometheus also joins the internal network
 *   (gateway, LiveKit locally) and, locally, the edge network (coturn's exporter).
 * Fixed subnets give Redis and Elasticsearch fixed addresses: both bind addresses, not names.
 *
 * Targets: see ./targets.ts, which holds everything that differs between aws and local.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import { fixedAddresses } from "./fixed-addresses";
import { LocalCertificates } from "./local-certificates";
import { checkedFor } from "./resource-errors";
import { generatedSecret } from "./services/common";
import { Alertmanager } from "./services/alertmanager";
import { BlackboxExporter } from "./services/blackbox";
import { Coturn } from "./services/coturn";
import { Grafana } from "./services/grafana";
import { Prometheus } from "./services/prometheus";
import { EdgeProxy } from "./services/edge-proxy";
import { Elasticsearch } from "./services/elasticsearch";
import { Gateway } from "./services/gateway";
import { Livekit } from "./services/livekit";
import { OpenSearch } from "./services/opensearch";
import { Redis } from "./services/redis";
import type { RampartContainersArgs } from "./stack-args";
import { targetProfile, type HostNames } from "./targets";

export type { RampartContainersArgs, ServiceResources } from "./stack-args";

const DEFAULTS = { prefix: "rampart", allowDataDeletion: false, internalSubnet: "172.30.10.0/24", edgeSubnet: "172.30.20.0/24", monitoringSubnet: "172.30.30.0/24" } as const;

export type ContainerRole = "redis" | "elasticsearch" | "opensearch" | "coturn" | "livekit" | "gateway" | "edge" | "prometheus" | "alertmanager" | "grafana" | "blackbox";

/**
 * The Docker name of a service's container. The host needs it before the containers exist (its
 * cloud-init follows the gateway's log by name), so both read it from here.
 */
export function serviceContainerName(role: ContainerRole, prefix: string = DEFAULTS.prefix): string {
  return `${prefix}-${role}`;
}

export class RampartContainers extends pulumi.ComponentResource {
  public readonly internalNetworkName: pulumi.Output<string>;
  public readonly edgeNetworkName: pulumi.Output<string>;
  /** Public endpoints: the HTTPS entry and the TURN URIs handed to clients. */
  public readonly endpoints: pulumi.Output<{ https: string; turnUris: string[] }>;
  /** Grafana's admin password (secret). */
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  /** Local target only: the certificate a tester presents to the edge proxy (origin-pull stand-in). */
  public readonly localClientCertificate?: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string>; caCertPem: pulumi.Output<string> };

  constructor(name: string, args: RampartContainersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:RampartContainers", name, {}, opts);
    const profile = targetProfile(args.target);
    const prefix = args.prefix ?? DEFAULTS.prefix;
    const internalSubnet = args.internalSubnet ?? DEFAULTS.internalSubnet;
    const edgeSubnet = args.edgeSubnet ?? DEFAULTS.edgeSubnet;
    const monitoringSubnet = args.monitoringSubnet ?? DEFAULTS.monitoringSubnet;
    const { site, at } = checkedFor(this, () => ({ site: profile.site(args), at: fixedAddresses(internalSubnet, edgeSubnet, monitoringSubnet) }));
    const names: HostNames = { app: args.hostnames?.app ?? `app.${site.domain}`, turn: args.hostnames?.turn ?? `turn.${site.domain}` };
    const entry = profile.entry(names);
    const res = args.resources ?? {};
    const allowDataDeletion = args.allowDataDeletion ?? DEFAULTS.allowDataDeletion;
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

    const monitoringNet = new docker.Network(
      `${name}-monitoring`,
      { name: `${prefix}-monitoring`, driver: "bridge", internal: false, ipamConfigs: [{ subnet: monitoringSubnet }], labels: [{ label: "rampart.network", value: "monitoring" }] },
      child,
    );

    const certificates = profile.certificates(args, names, (a) => new LocalCertificates(`${name}-local-certs`, a, child));
    const media = profile.media({ site, at, internalNetwork: internal.name, edgeNetwork: edgeNet.name });

    const redis = new Redis(
      `${name}-redis`,
      { containerName: serviceContainerName("redis", prefix), image: args.images?.redis, network: { name: internal.name, ipv4Address: at.redis }, allowDataDeletion, ...res.redis },
      child,
    );

    // The search node: either engine on the same address, network, ports and hardening.
    const searchNetwork = { name: internal.name, ipv4Address: at.elasticsearch };
    if ((args.searchEngine ?? "elasticsearch") === "opensearch") {
      new OpenSearch(
        `${name}-opensearch`,
        { containerName: serviceContainerName("opensearch", prefix), image: args.images?.opensearch, network: searchNetwork, allowDataDeletion, ...res.elasticsearch },
        child,
      );
    } else {
      new Elasticsearch(
        `${name}-elasticsearch`,
        {
          containerName: serviceContainerName("elasticsearch", prefix),
          image: args.images?.elasticsearch,
          network: searchNetwork,
          elasticPassword: args.secrets?.elasticPassword,
          allowDataDeletion,
          ...res.elasticsearch,
        },
        child,
      );
    }

    const coturn = new Coturn(
      `${name}-coturn`,
      {
        containerName: serviceContainerName("coturn", prefix),
        target: args.target,
        image: args.images?.coturn,
        ...media.coturn,
        externalIp: site.publicAddress,
        realm: names.turn,
        tls: certificates.turnTls,
        authSecret: args.secrets?.turnSecret,
        ...res.coturn,
      },
      child,
    );

    const livekit = new Livekit(
      `${name}-livekit`,
      {
        containerName: serviceContainerName("livekit", prefix),
        target: args.target,
        image: args.images?.livekit,
        ...media.livekit,
        redis: { host: at.redis, password: redis.livekitPassword },
        apiSecret: args.secrets?.livekitApiSecret,
        ...res.livekit,
      },
      child,
    );

    const turnUris = [
      `turn:${entry.turnHost}:${port("turn-udp").from}?transport=udp`,
      `turn:${entry.turnHost}:${port("turn-tcp").from}?transport=tcp`,
      `turns:${entry.turnsHost}:${port("turns-tcp").from}?transport=tcp`,
    ];

    new Gateway(
      `${name}-gateway`,
      {
        containerName: serviceContainerName("gateway", prefix),
        image: args.images?.gateway,
        ...(args.gatewayBuild ? { build: args.gatewayBuild } : {}),
        networks: [
          { name: internal.name, ipv4Address: at.gatewayInternal },
          { name: edgeNet.name, ipv4Address: at.gatewayEdge },
        ],
        metricsAddress: site.bindAddress,
        // A browser sends the origin without a default port: https://localhost, not https://localhost:443.
        allowedOrigins: args.allowedOrigins ?? [new URL(entry.https).origin],
        // Only the edge proxy's own address may tell the gateway who the client is.
        trustedProxies: [`${at.edge}/32`],
        jwt: { secret: args.secrets?.jwtSecret ?? generatedSecret(`${name}-jwt-secret`, this, 64) },
        fanoutKey: args.secrets?.gatewayFanoutKey ?? generatedSecret(`${name}-gateway-fanout-key`, this, 64),
        ...(args.gatewayAnomalyAllowlist !== undefined ? { anomalyAllowlist: args.gatewayAnomalyAllowlist } : {}),
        livekit: { url: entry.https.replace(/^https:/, "wss:"), apiKey: livekit.apiKey, apiSecret: livekit.apiSecret },
        turn: { secret: coturn.authSecret, uris: turnUris },
        redis: { host: at.redis, password: redis.gatewayPassword },
        ...res.gateway,
      },
      child,
    );

    new EdgeProxy(
      `${name}-edge-proxy`,
      {
        containerName: serviceContainerName("edge", prefix),
        image: args.images?.edge,
        networks: [{ name: edgeNet.name, ipv4Address: at.edge }],
        publishAddress: site.edgePublishAddress,
        serverNames: entry.serverNames,
        tls: { certPem: certificates.edgeTls.certPem, keyPem: certificates.edgeTls.keyPem },
        originPullCaPem: certificates.edgeTls.originPullCaPem,
        cloudflareRanges: site.cloudflareRanges,
        upstreams: { gatewayHost: at.gatewayEdge, livekitHost: media.livekitApiHost },
        ...res.edge,
      },
      child,
    );

    const monitoring = args.monitoring ?? {};
    const alertmanager = new Alertmanager(
      `${name}-alertmanager`,
      {
        containerName: serviceContainerName("alertmanager", prefix),
        image: args.images?.alertmanager,
        networks: [{ name: monitoringNet.name, ipv4Address: at.alertmanager }],
        publishAddress: site.bindAddress,
        receivers: monitoring.receivers ?? {},
        allowDataDeletion,
        ...res.alertmanager,
      },
      child,
    );

    const blackbox = new BlackboxExporter(
      `${name}-blackbox`,
      {
        containerName: serviceContainerName("blackbox", prefix),
        image: args.images?.blackbox,
        networks: [
          { name: monitoringNet.name, ipv4Address: at.blackbox },
          ...(media.coturnOnEdge ? [{ name: edgeNet.name, ipv4Address: at.blackboxEdge }] : []),
        ],
        certificates: [
          { name: "turns", endpoint: media.tlsEndpoints.turns, certPem: certificates.turnTls.certPem, serverName: entry.turnsHost },
          { name: "origin", endpoint: media.tlsEndpoints.origin, certPem: certificates.edgeTls.certPem, serverName: names.app },
        ],
        ...res.blackbox,
      },
      child,
    );

    new Prometheus(
      `${name}-prometheus`,
      {
        containerName: serviceContainerName("prometheus", prefix),
        image: args.images?.prometheus,
        networks: [
          { name: monitoringNet.name, ipv4Address: at.prometheus },
          { name: internal.name, ipv4Address: at.prometheusInternal },
          ...(media.coturnOnEdge ? [{ name: edgeNet.name, ipv4Address: at.prometheusEdge }] : []),
        ],
        publishAddress: site.bindAddress,
        sources: [
          { job: "gateway", targets: [`${at.gatewayInternal}:${port("gateway-metrics").from}`] },
          { job: "livekit", targets: [media.metrics.livekit], basicAuth: { username: "prometheus", password: livekit.prometheusPassword } },
          { job: "coturn", targets: [media.metrics.coturn] },
          { job: "alertmanager", targets: [`${at.alertmanager}:${alertmanager.port}`] },
        ],
        alertmanager: `${at.alertmanager}:${alertmanager.port}`,
        tlsProbes: {
          exporter: `${at.blackbox}:${blackbox.port}`,
          probes: [
            { endpoint: media.tlsEndpoints.turns, module: "turns" },
            { endpoint: media.tlsEndpoints.origin, module: "origin" },
          ],
        },
        ...(monitoring.thresholds ? { thresholds: monitoring.thresholds } : {}),
        ...(monitoring.retentionDays !== undefined ? { retentionDays: monitoring.retentionDays } : {}),
        externalLabels: { rampart_target: args.target },
        allowDataDeletion,
        ...res.prometheus,
      },
      child,
    );

    const grafana = new Grafana(
      `${name}-grafana`,
      {
        containerName: serviceContainerName("grafana", prefix),
        image: args.images?.grafana,
        networks: [{ name: monitoringNet.name, ipv4Address: at.grafana }],
        publishAddress: site.bindAddress,
        prometheusUrl: `http://${at.prometheus}:${port("prometheus-http").from}`,
        allowDataDeletion,
        ...res.grafana,
      },
      child,
    );
    this.grafanaAdminPassword = grafana.adminPassword;

    this.internalNetworkName = internal.name;
    this.edgeNetworkName = edgeNet.name;
    this.endpoints = pulumi.output({ https: entry.https, turnUris });
    if (certificates.client) this.localClientCertificate = certificates.client;
    this.registerOutputs({ internalNetworkName: this.internalNetworkName, edgeNetworkName: this.edgeNetworkName, endpoints: this.endpoints });
  }
}
