/**
 * Every configuration key of the Rampart project: its type, default and description. Pulumi.yaml's typed
 * `config:` block is checked against this table by a test, so the two cannot drift apart.
 */
import { ALERT_DEFAULTS } from "../../components/config/alert-rules";
import { DOCKER_HOST_DEFAULTS } from "../../components/host/defaults";

export type KeyType = "string" | "integer" | "boolean" | "array";

export interface ConfigKey {
  readonly type: KeyType;
  readonly description: string;
  readonly default?: string | number | boolean | readonly string[];
  /** Holds a secret: set it with `pulumi config set --secret`. */
  readonly secret?: boolean;
}

export const CONFIG_KEYS = {
  target: {
    type: "string",
    default: "local",
    description: "Where Rampart deploys: `local` (the local Docker daemon, no cloud account), `aws` (one EC2 Docker host behind Cloudflare) or `aws-scale` (EKS node groups, ElastiCache and OpenSearch Service behind Cloudflare).",
  },
  domain: {
    type: "string",
    description: "DNS zone apex the services are published under (e.g. example.com). Required for the aws target.",
  },
  allowedOrigins: {
    type: "array",
    default: ["https://localhost:8443"],
    description: "Exact browser origins allowed to open the gateway WebSocket (scheme://host[:port]).",
  },
  adminCidrs: {
    type: "array",
    default: [],
    description: "CIDRs operators connect from (metrics, admin UIs, SSH when enabled). 0.0.0.0/0 and ::/0 are refused.",
  },
  adminSsh: {
    type: "boolean",
    default: false,
    description: "Open SSH (22/tcp) to the admin CIDRs. Off by default: SSM Session Manager is the way in.",
  },
  allowDataDeletion: {
    type: "boolean",
    default: false,
    description: "Let `pulumi destroy` and replacements delete the stack's data (search and Redis volumes, the host's data disk, ElastiCache, OpenSearch) with no final snapshot. Off by default: every data resource is protected and retained (docs/data-protection.md). For throwaway stacks only; set it, run `pulumi up`, then destroy.",
  },
  deployerPublicKey: {
    type: "string",
    description: "OpenSSH public key of the deployer; cloud-init installs it so the Docker provider can reach each host over SSH tunnelled through SSM. Required for the aws target.",
  },
  vpcCidr: {
    type: "string",
    default: "10.40.0.0/16",
    description: "IPv4 CIDR of the VPC.",
  },
  publicSubnetCidrs: {
    type: "array",
    default: ["10.40.0.0/24", "10.40.1.0/24"],
    description: "Public subnet CIDRs, one per availability zone (at least two), inside vpcCidr. aws-scale: the media nodes' subnets.",
  },
  privateSubnetCidrs: {
    type: "array",
    default: ["10.40.10.0/24", "10.40.11.0/24"],
    description: "Private subnet CIDRs, one per availability zone (at least two; aws-scale: at least three, for OpenSearch's three zones), inside vpcCidr.",
  },
  instanceType: {
    type: "string",
    default: DOCKER_HOST_DEFAULTS.instanceType,
    description: "EC2 instance type of the Docker host.",
  },
  rootVolumeGiB: {
    type: "integer",
    default: DOCKER_HOST_DEFAULTS.rootVolumeGiB,
    description: "Size of the host's encrypted gp3 root volume in GiB.",
  },
  dataVolumeGiB: {
    type: "integer",
    default: DOCKER_HOST_DEFAULTS.dataVolumeGiB,
    description: "Size in GiB of the host's encrypted gp3 EBS data volume, mounted at Docker's volume directory: the services' data lives there, not on the root volume.",
  },
  dockerVersion: {
    type: "string",
    default: "5:28.5.2-1~debian.12~bookworm",
    description: "Exact docker-ce package version cloud-init installs (and holds) on each host.",
  },
  flowLogRetentionDays: {
    type: "integer",
    default: 90,
    description: "Retention of the VPC flow logs in CloudWatch Logs, in days.",
  },
  cloudflareZoneId: {
    type: "string",
    description: "Cloudflare zone id of `domain`. Required for the aws target.",
  },
  cloudflarePlan: {
    type: "string",
    default: "free",
    description: "Cloudflare plan of the zone (free | pro | business | enterprise): bounds the WAF and rate-limit rules declared.",
  },
  cloudflareManagedRulesets: {
    type: "array",
    default: [],
    description: "Managed WAF rulesets to execute (free | cloudflare | owasp). Empty: the plan's default (Free Managed Ruleset on free; Cloudflare Managed + OWASP Core on Pro and above).",
  },
  acmeEmail: {
    type: "string",
    description: "Contact address of the ACME account that issues the publicly trusted TURNS certificate (DNS-01 on the Cloudflare zone). Required for the aws target.",
  },
  acmeServerUrl: {
    type: "string",
    default: "https://acme-v02.api.letsencrypt.org/directory",
    description: "ACME directory issuing the TURNS certificate (Let's Encrypt production by default; use the staging directory to try a stack).",
  },
  livekitImage: {
    type: "string",
    description: "Image of the LiveKit, pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  coturnImage: {
    type: "string",
    description: "Image of the coturn (>= 4.13), pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  gatewayImage: {
    type: "string",
    description: "Image of the gateway (a prebuilt image; unset: built from gateway/Dockerfile), pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  elasticsearchImage: {
    type: "string",
    description: "Image of the Elasticsearch, pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  opensearchImage: {
    type: "string",
    description: "Image of the OpenSearch node (searchEngine opensearch, 2.19.x), pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  searchEngine: {
    type: "string",
    description: "The search node of the Docker targets (local, aws): `elasticsearch` (when unset) or `opensearch` (2.19.x, with its security plugin). Both get the same hardening, TLS, password authentication and network rules. Not used by aws-scale, which always uses Amazon OpenSearch Service.",
  },
  redisImage: {
    type: "string",
    description: "Image of the Redis, pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  edgeImage: {
    type: "string",
    description: "Image of the edge proxy (unprivileged nginx), pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  prometheusImage: {
    type: "string",
    description: "Image of Prometheus, pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  alertmanagerImage: {
    type: "string",
    description: "Image of Alertmanager, pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  grafanaImage: {
    type: "string",
    description: "Image of Grafana, pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  blackboxImage: {
    type: "string",
    description: "Image of the Prometheus blackbox exporter (certificate-expiry probes), pinned to an exact version or digest (never latest). Unset: the default pinned in components/containers/images.ts.",
  },
  prometheusRetentionDays: {
    type: "integer",
    default: 15,
    description: "Days Prometheus keeps samples on its data volume (1-365).",
  },
  alertWindowSeconds: {
    type: "integer",
    default: ALERT_DEFAULTS.windowSeconds,
    description: "Window (seconds, >= 10) the burst alerts count events over; every alert*Threshold below is per instance within it. Runbooks: docs/alerts.md.",
  },
  alertPendingSeconds: {
    type: "integer",
    default: ALERT_DEFAULTS.pendingSeconds,
    description: "Seconds a state (target down, Redis unreachable, TURN allocations over the threshold) must hold before it alerts.",
  },
  alertFailedAuthThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.failedAuth,
    description: "GatewayFailedAuthBurst: WebSocket authentication failures within the window.",
  },
  alertHmacFailureThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.hmacFailures,
    description: "DeviceHmacFailures: device API signature failures (bad, stale, unknown device) within the window.",
  },
  alertHmacReplayThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.hmacReplays,
    description: "DeviceHmacReplays: replayed device requests within the window.",
  },
  alertRateLimitThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.rateLimitHits,
    description: "GatewayRateLimitSpike: requests refused by message, size, device or backpressure limits within the window.",
  },
  alertAnomalyBlockThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.anomalyBlocks,
    description: "GatewayAnomalyBlocks: offenders blocked by anomaly detection within the window.",
  },
  alertConnectionCapThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.connectionCapHits,
    description: "GatewayConnectionCapHits: connections refused by the per-IP/per-user caps or blocks within the window.",
  },
  alertFanoutRejectedThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.fanoutRejected,
    description: "GatewayForgedFanout: room payloads dropped for a missing or wrong fan-out MAC within the window (forged publishes on Redis).",
  },
  alertTurnAllocationThreshold: {
    type: "integer",
    default: ALERT_DEFAULTS.turnAllocations,
    description: "TurnAllocationSpike: current TURN allocations on one coturn.",
  },
  alertTurnRelayedBytesPerSecond: {
    type: "integer",
    default: ALERT_DEFAULTS.turnRelayedBytesPerSecond,
    description: "TurnRelayedBandwidthSpike: bytes per second one coturn relays to peers, averaged over the window.",
  },
  alertCertificateExpiryDays: {
    type: "integer",
    default: ALERT_DEFAULTS.certificateExpiryDays,
    description: "CertificateExpiresSoon: days before a watched certificate (TURNS, origin) expires.",
  },
  alertSlackWebhookUrl: {
    type: "string",
    secret: true,
    description: "Slack incoming-webhook URL Alertmanager posts every alert to (reaches Alertmanager as a 0400 file). Unset: no Slack receiver.",
  },
  alertWebhookUrl: {
    type: "string",
    secret: true,
    description: "Generic webhook URL Alertmanager posts every alert to, as Alertmanager's JSON (a 0400 file). Unset: no webhook receiver.",
  },
  alertEmailTo: {
    type: "string",
    description: "Address every alert is mailed to; with alertEmailFrom and alertEmailSmarthost. Unset: no email receiver.",
  },
  alertEmailFrom: {
    type: "string",
    description: "Sender address of alert mail.",
  },
  alertEmailSmarthost: {
    type: "string",
    description: "SMTP server (host:port, STARTTLS required) that relays alert mail.",
  },
  alertEmailUsername: {
    type: "string",
    description: "SMTP user; needs alertEmailPassword.",
  },
  alertEmailPassword: {
    type: "string",
    secret: true,
    description: "SMTP password (reaches Alertmanager as a 0400 file).",
  },
  clusterVersion: {
    type: "string",
    default: "1.34",
    description: "aws-scale: Kubernetes version of the EKS cluster (major.minor).",
  },
  clusterPublicEndpoint: {
    type: "boolean",
    default: false,
    description: "aws-scale: also open the EKS API endpoint publicly, restricted to the admin CIDRs. Off by default: the API is reachable from inside the VPC only.",
  },
  mediaNodeCount: {
    type: "integer",
    default: 2,
    description: "aws-scale: nodes of the `media` node group (public subnets; each runs one LiveKit and one coturn on the host network). At least 2.",
  },
  mediaInstanceType: {
    type: "string",
    default: "c6in.xlarge",
    description: "aws-scale: EC2 instance type of the media nodes (network-optimised: media is bandwidth-bound).",
  },
  livekitCpus: {
    type: "integer",
    default: 3,
    description: "aws-scale: CPU cores (request = limit) of the LiveKit pod on each media node; leave about one core of the node for coturn and the node's agents.",
  },
  livekitMemoryMiB: {
    type: "integer",
    default: 4096,
    description: "aws-scale: memory (request = limit) of the LiveKit pod on each media node, in MiB.",
  },
  appNodeCount: {
    type: "integer",
    default: 2,
    description: "aws-scale: nodes of the `app` node group (private subnets; gateways and edge proxies). At least 2.",
  },
  appInstanceType: {
    type: "string",
    default: "m7i.large",
    description: "aws-scale: EC2 instance type of the app nodes.",
  },
  nodeVolumeGiB: {
    type: "integer",
    default: 50,
    description: "aws-scale: size of each node's encrypted gp3 root volume in GiB.",
  },
  gatewayReplicas: {
    type: "integer",
    default: 2,
    description: "aws-scale: minimum gateway pods (the HorizontalPodAutoscaler's floor). At least 2.",
  },
  gatewayMaxReplicas: {
    type: "integer",
    default: 6,
    description: "aws-scale: maximum gateway pods the HorizontalPodAutoscaler may run; at least gatewayReplicas.",
  },
  edgeReplicas: {
    type: "integer",
    default: 2,
    description: "aws-scale: edge proxy pods behind the load balancer (at least 2; a PodDisruptionBudget keeps all but one up).",
  },
  cacheNodeType: {
    type: "string",
    default: "cache.m7g.large",
    description: "aws-scale: ElastiCache node type of the Redis-compatible replication group.",
  },
  cacheReplicas: {
    type: "integer",
    default: 1,
    description: "aws-scale: read replicas of the ElastiCache primary (1 to 5; at least one, in another AZ, for automatic failover).",
  },
  searchInstanceType: {
    type: "string",
    default: "r7g.large.search",
    description: "aws-scale: instance type of the OpenSearch Service data nodes.",
  },
  searchInstanceCount: {
    type: "integer",
    default: 3,
    description: "aws-scale: OpenSearch data nodes, a multiple of 3 (spread over three availability zones).",
  },
  searchMasterInstanceType: {
    type: "string",
    default: "m7g.large.search",
    description: "aws-scale: instance type of the three dedicated OpenSearch master nodes.",
  },
  searchVolumeGiB: {
    type: "integer",
    default: 100,
    description: "aws-scale: gp3 EBS volume per OpenSearch data node in GiB.",
  },
  jwtSecret: {
    type: "string",
    secret: true,
    description: "HS256 secret (>= 32 bytes) the gateway verifies client tokens with. Generated when unset; set it with --secret to share it with your token issuer.",
  },
  gatewayFanoutKey: {
    type: "string",
    secret: true,
    description: "Key (>= 32 bytes) of the MAC every gateway puts on room messages it relays through Redis; payloads without it are dropped. Generated when unset; set it with --secret only to share it with gateways outside this stack.",
  },
  gatewayAnomalyAllowlist: {
    type: "array",
    default: [],
    description: "CIDRs of shared egress addresses you vouch for (an office, a carrier's NAT): the gateway never counts, blocks or caps them per IP; their users are still charged and capped individually. /0 is refused.",
  },
} as const satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

export const CONFIG_NAMESPACE = "rampart";
