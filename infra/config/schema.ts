import { z } from "zod";
import type { AlertThresholds } from "../../components/config/alert-rules";
import { keyNameProblem } from "./key-names";
import { CONFIG_KEYS, CONFIG_NAMESPACE, type ConfigKeyName } from "./keys";
import {
  CLOUDFLARE_PLANS,
  STACK_TARGETS,
  cidrContains,
  cidrsOverlap,
  internetWide,
  isHostname,
  originProblem,
  parseCidr,
  pinVerdict,
  versionFloorProblem,
  type Cidr,
  type CloudflarePlan,
  withArticle,
} from "@rampart/catalogue";

/** Per-service image keys; the values override components/containers/images.ts. */
export const IMAGE_KEYS = {
  livekit: "livekitImage",
  coturn: "coturnImage",
  gateway: "gatewayImage",
  elasticsearch: "elasticsearchImage",
  opensearch: "opensearchImage",
  redis: "redisImage",
  edge: "edgeImage",
  prometheus: "prometheusImage",
  alertmanager: "alertmanagerImage",
  grafana: "grafanaImage",
  blackbox: "blackboxImage",
} as const satisfies Record<string, ConfigKeyName>;

/** Alert threshold keys; the values feed components/config/alert-rules.ts. */
export const ALERT_KEYS = {
  windowSeconds: "alertWindowSeconds",
  pendingSeconds: "alertPendingSeconds",
  failedAuth: "alertFailedAuthThreshold",
  hmacFailures: "alertHmacFailureThreshold",
  hmacReplays: "alertHmacReplayThreshold",
  rateLimitHits: "alertRateLimitThreshold",
  anomalyBlocks: "alertAnomalyBlockThreshold",
  connectionCapHits: "alertConnectionCapThreshold",
  fanoutRejected: "alertFanoutRejectedThreshold",
  turnAllocations: "alertTurnAllocationThreshold",
  turnRelayedBytesPerSecond: "alertTurnRelayedBytesPerSecond",
  certificateExpiryDays: "alertCertificateExpiryDays",
} as const satisfies Record<keyof AlertThresholds, ConfigKeyName>;

/** Where alerts are delivered; secrets stay plain text only until the program wraps them in `pulumi.secret`. */
export interface AlertReceivers {
  readonly slackWebhookUrl?: string;
  readonly webhookUrl?: string;
  readonly email?: { readonly to: string; readonly from: string; readonly smarthost: string; readonly username?: string; readonly password?: string };
}

export interface MonitoringConfig {
  readonly thresholds: AlertThresholds;
  readonly receivers: AlertReceivers;
  readonly retentionDays: number;
}
export type ImageOverrides = Partial<Record<keyof typeof IMAGE_KEYS, string>>;

/** The search engines a Docker target can run; each has its own pinned image and renderer. */
export const SEARCH_ENGINES = ["elasticsearch", "opensearch"] as const;
export type SearchEngine = (typeof SEARCH_ENGINES)[number];
/** The OpenSearch release line the renderer and the container tests cover (plugins.security.* of 2.19). */
const OPENSEARCH_LINE = /^2\.19\.\d+(?:[-+._].*)?$/;


export interface AwsSettings {
  readonly vpcCidr: string;
  readonly publicSubnetCidrs: readonly string[];
  readonly privateSubnetCidrs: readonly string[];
  readonly instanceType: string;
  readonly rootVolumeGiB: number;
  readonly dataVolumeGiB: number;
  readonly dockerVersion: string;
  readonly deployerPublicKey: string;
  readonly flowLogRetentionDays: number;
  readonly acmeEmail: string;
  readonly acmeServerUrl: string;
}

export interface CloudflareSettings {
  readonly zoneId: string;
  readonly plan: CloudflarePlan;
  /** Empty: the plan's default managed rulesets. */
  readonly managedRulesets: readonly string[];
}

/** `rampart:allowDataDeletion`: the one switch that lets the stack's data be deleted. */
export interface DataProtection {
  readonly allowDataDeletion: boolean;
}

/** What every target reads. */
interface CommonConfig {
  readonly allowedOrigins: readonly string[];
  readonly admin: { readonly cidrs: readonly string[]; readonly ssh: boolean };
  /** Whether destroy and replacements may delete data (off: every data resource protected, docs/data-protection.md). */
  readonly dataProtection: DataProtection;
  /** Plain text only until the program wraps it in `pulumi.secret`; never logged. */
  readonly jwtSecret?: string;
  readonly gateway: {
    /** Plain text only until the program wraps it in `pulumi.secret`; never logged. */
    readonly fanoutKey?: string;
    /** Addresses never counted or blocked per IP by the gateway's anomaly detection. */
    readonly anomalyAllowlist: readonly string[];
  };
  /** Per-service image overrides, each pinned. */
  readonly images: ImageOverrides;
  /** Prometheus, Alertmanager and Grafana: thresholds, receivers, retention. */
  readonly monitoring: MonitoringConfig;
  /** The search node of the Docker targets (aws-scale: always Amazon OpenSearch Service). */
  readonly search: { readonly engine: SearchEngine };
}

/** Everything on the local Docker daemon: no domain, no cloud. */
export interface LocalConfig extends CommonConfig {
  readonly target: "local";
}

/** AWS behind Cloudflare: what only this target needs is present by type, not by `!`. */
export interface AwsConfig extends CommonConfig {
  readonly target: "aws";
  readonly domain: string;
  readonly aws: AwsSettings;
  readonly cloudflare: CloudflareSettings;
}

/** How many of each role aws-scale runs, and on what (docs/capacity.md sizes them). */
export interface ScaleSettings {
  readonly clusterVersion: string;
  /** The EKS API endpoint is public too, restricted to the admin CIDRs. */
  readonly clusterPublicEndpoint: boolean;
  readonly media: { readonly nodes: number; readonly instanceType: string; readonly livekitCpus: number; readonly livekitMemoryMiB: number };
  readonly app: { readonly nodes: number; readonly instanceType: string };
  readonly nodeVolumeGiB: number;
  readonly gateway: { readonly minReplicas: number; readonly maxReplicas: number };
  readonly edgeReplicas: number;
  readonly cache: { readonly nodeType: string; readonly replicas: number };
  readonly search: { readonly instanceType: string; readonly instanceCount: number; readonly masterInstanceType: string; readonly volumeGiB: number };
}

/** The network and certificate settings aws-scale shares with aws (no Docker host: no SSH key, no docker-ce). */
export type AwsScaleNetworkSettings = Pick<AwsSettings, "vpcCidr" | "publicSubnetCidrs" | "privateSubnetCidrs" | "flowLogRetentionDays" | "acmeEmail" | "acmeServerUrl">;

/** Kubernetes on EKS with ElastiCache and OpenSearch Service, behind Cloudflare. */
export interface AwsScaleConfig extends CommonConfig {
  readonly target: "aws-scale";
  /** Pinned, prebuilt gateway image: nodes pull it, nothing is built on them. */
  readonly gatewayImage: string;
  readonly domain: string;
  readonly aws: AwsScaleNetworkSettings;
  readonly cloudflare: CloudflareSettings;
  readonly scale: ScaleSettings;
}

/** The one validated configuration object the whole program reads; `target` tells which it is. */
export type RampartConfig = LocalConfig | AwsConfig | AwsScaleConfig;

/** Every problem of a configuration, each line naming its key. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid Rampart configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const key = (k: ConfigKeyName) => `${CONFIG_NAMESPACE}:${k}`;

const hostname = z.string().refine((name) => isHostname(name), "is not a DNS name (e.g. example.com)");

const stringList = z.array(z.string().min(1, "holds an empty entry"));

const positive = z.number().int("must be an integer").positive("must be positive");
const ec2Type = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "is not an EC2 instance type (e.g. m6i.large)");
const searchType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+\.search$/, "is not an OpenSearch Service instance type (e.g. r7g.large.search)");

const rawSchema = z.object({
  target: z.string(),
  domain: hostname.optional(),
  allowedOrigins: stringList,
  adminCidrs: stringList,
  adminSsh: z.boolean(),
  allowDataDeletion: z.boolean(),
  deployerPublicKey: z
    .string()
    .regex(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/=]+( .*)?$/, "is not an OpenSSH public key")
    .optional(),
  vpcCidr: z.string(),
  publicSubnetCidrs: stringList,
  privateSubnetCidrs: stringList,
  instanceType: ec2Type,
  rootVolumeGiB: z.number().int().min(20, "must be at least 20 GiB").max(16384),
  dataVolumeGiB: z.number().int().min(20, "must be at least 20 GiB").max(16384),
  dockerVersion: z.string().min(1),
  flowLogRetentionDays: z.number().int().refine((d) => [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].includes(d), "is not a CloudWatch Logs retention period (e.g. 30, 90, 365)"),
  cloudflareZoneId: z.string().regex(/^[0-9a-f]{32}$/, "is not a Cloudflare zone id (32 hex characters)").optional(),
  cloudflarePlan: z.string(),
  cloudflareManagedRulesets: stringList,
  acmeEmail: z.email("is not an email address").optional(),
  acmeServerUrl: z.url({ protocol: /^https$/, error: "is not an https URL" }),
  clusterVersion: z.string().regex(/^1\.(2[89]|3[0-9])$/, "is not a supported EKS Kubernetes version (major.minor, 1.28 to 1.39, e.g. 1.34)"),
  clusterPublicEndpoint: z.boolean(),
  mediaNodeCount: z.number().int().min(2, "must be at least 2 (one media node per availability zone)").max(1000),
  mediaInstanceType: ec2Type,
  livekitCpus: z.number().int().min(1).max(190),
  livekitMemoryMiB: z.number().int().min(1024, "must be at least 1024 MiB").max(1_048_576),
  appNodeCount: z.number().int().min(2, "must be at least 2 (one app node per availability zone)").max(1000),
  appInstanceType: ec2Type,
  nodeVolumeGiB: z.number().int().min(20, "must be at least 20 GiB").max(16384),
  gatewayReplicas: z.number().int().min(2, "must be at least 2 (a gateway survives the loss of a node)").max(1000),
  gatewayMaxReplicas: z.number().int().min(2).max(1000),
  edgeReplicas: z.number().int().min(2, "must be at least 2 (the load balancer keeps a target while one is replaced)").max(100),
  cacheNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "is not an ElastiCache node type (e.g. cache.m7g.large)"),
  cacheReplicas: z.number().int().min(1, "must be at least 1 (automatic failover needs a replica in another zone)").max(5, "must be at most 5 (ElastiCache's replicas per shard)"),
  searchInstanceType: searchType,
  searchInstanceCount: z.number().int().min(3).max(80).refine((n) => n % 3 === 0, "must be a multiple of 3 (data nodes spread evenly over three availability zones)"),
  searchMasterInstanceType: searchType,
  searchVolumeGiB: z.number().int().min(10, "must be at least 10 GiB").max(24576),
  jwtSecret: z.string().optional(),
  gatewayFanoutKey: z.string().optional(),
  gatewayAnomalyAllowlist: stringList,
  livekitImage: z.string().optional(),
  coturnImage: z.string().optional(),
  gatewayImage: z.string().optional(),
  elasticsearchImage: z.string().optional(),
  opensearchImage: z.string().optional(),
  searchEngine: z.string().optional(),
  redisImage: z.string().optional(),
  edgeImage: z.string().optional(),
  prometheusImage: z.string().optional(),
  alertmanagerImage: z.string().optional(),
  grafanaImage: z.string().optional(),
  blackboxImage: z.string().optional(),
  prometheusRetentionDays: z.number().int().min(1, "must be 1-365").max(365, "must be 1-365"),
  alertWindowSeconds: z.number().int().min(10, "must be at least 10 s (two scrapes)").max(86_400, "must be at most 86400 s"),
  alertPendingSeconds: z.number().int().min(0, "must be 0 or more").max(86_400, "must be at most 86400 s"),
  alertFailedAuthThreshold: positive,
  alertHmacFailureThreshold: positive,
  alertHmacReplayThreshold: positive,
  alertRateLimitThreshold: positive,
  alertAnomalyBlockThreshold: positive,
  alertConnectionCapThreshold: positive,
  alertFanoutRejectedThreshold: positive,
  alertTurnAllocationThreshold: positive,
  alertTurnRelayedBytesPerSecond: positive,
  alertCertificateExpiryDays: z.number().int().min(1, "must be 1-365").max(365, "must be 1-365"),
  alertSlackWebhookUrl: z.url({ protocol: /^https$/, error: "is not an https URL" }).optional(),
  alertWebhookUrl: z.url({ protocol: /^https?$/, error: "is not an http(s) URL" }).optional(),
  alertEmailTo: z.email("is not an email address").optional(),
  alertEmailFrom: z.email("is not an email address").optional(),
  alertEmailSmarthost: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port (e.g. smtp.example.com:587)").optional(),
  alertEmailUsername: z.string().regex(/^[A-Za-z0-9._:@%+\-/]+$/, "must be one token without spaces").optional(),
  alertEmailPassword: z.string().min(1).optional(),
});

export type RawConfig = z.input<typeof rawSchema>;

/** Applies the defaults of the key table to whatever the stack set. */
export function withDefaults(values: Partial<Record<ConfigKeyName, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(CONFIG_KEYS)) {
    const v = values[name as ConfigKeyName];
    out[name] = v !== undefined ? v : "default" in spec ? spec.default : undefined;
  }
  return out;
}

/**
 * Validates a stack's configuration (defaults applied). Throws ConfigError listing every problem, each
 * naming the key; nothing is declared before this has passed.
 */
export function parseConfig(values: Partial<Record<ConfigKeyName, unknown>>): RampartConfig {
  const unknown = Object.keys(values).filter((k) => !(k in CONFIG_KEYS));
  const issues: string[] = unknown.map((k) => keyNameProblem(key(k as ConfigKeyName)) ?? `${key(k as ConfigKeyName)}: unknown configuration key`);

  const result = rawSchema.safeParse(withDefaults(values));
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [name, ...rest] = issue.path;
      const where = rest.length ? `[${rest.join(".")}]` : "";
      const received = issue.code === "invalid_type" ? `must be ${withArticle(issue.expected)}` : issue.message;
      issues.push(`${key(String(name) as ConfigKeyName)}${where}: ${received}`);
    }
    throw new ConfigError(issues);
  }
  const raw = result.data;

  if (!(STACK_TARGETS as readonly string[]).includes(raw.target)) {
    issues.push(`${key("target")}: unknown target "${raw.target}" (expected one of: ${STACK_TARGETS.join(", ")})`);
  }
  if (!(CLOUDFLARE_PLANS as readonly string[]).includes(raw.cloudflarePlan)) {
    issues.push(`${key("cloudflarePlan")}: unknown plan "${raw.cloudflarePlan}" (expected one of: ${CLOUDFLARE_PLANS.join(", ")})`);
  }

  const admin = checkCidrList("adminCidrs", raw.adminCidrs, issues);
  // Judged together: 0.0.0.0/1 + 128.0.0.0/1 is the whole internet as surely as 0.0.0.0/0.
  const wide = internetWide(admin.map((c) => c.text));
  if (wide) {
    issues.push(`${key("adminCidrs")}: ${wide.sources.join(" + ")} would open admin ports to the whole internet; list the operators' own networks`);
  }
  if (raw.adminSsh && raw.adminCidrs.length === 0) {
    issues.push(`${key("adminSsh")}: SSH is enabled but ${key("adminCidrs")} is empty; nobody could reach it`);
  }

  for (const [i, origin] of raw.allowedOrigins.entries()) {
    const problem = originProblem(origin, { loopbackHttp: true });
    if (problem) issues.push(`${key("allowedOrigins")}[${i}]: "${origin}" ${problem}`);
  }

  if (raw.jwtSecret !== undefined && Buffer.byteLength(raw.jwtSecret, "utf8") < 32) {
    issues.push(`${key("jwtSecret")}: must be at least 32 bytes for HS256`);
  }
  if (raw.gatewayFanoutKey !== undefined && Buffer.byteLength(raw.gatewayFanoutKey, "utf8") < 32) {
    issues.push(`${key("gatewayFanoutKey")}: must be at least 32 bytes (e.g. openssl rand -base64 48), or unset to have one generated`);
  }
  const allowlist: string[] = [];
  for (const [i, text] of raw.gatewayAnomalyAllowlist.entries()) {
    try {
      const cidr = parseCidr(text);
      if (cidr.prefix === 0) issues.push(`${key("gatewayAnomalyAllowlist")}[${i}]: ${cidr.text} would exempt every address from the gateway's blocks; list only the shared egress addresses you vouch for`);
      else allowlist.push(cidr.text);
    } catch (e) {
      issues.push(`${key("gatewayAnomalyAllowlist")}[${i}]: ${(e as Error).message}`);
    }
  }

  const images: ImageOverrides = {};
  for (const [service, name] of Object.entries(IMAGE_KEYS) as Array<[keyof typeof IMAGE_KEYS, ConfigKeyName]>) {
    const ref = raw[name as keyof typeof raw] as string | undefined;
    if (ref === undefined) continue;
    const verdict = pinVerdict(ref);
    const problem = verdict.pinned ? versionFloorProblem(ref) : verdict.reason;
    if (problem) issues.push(`${key(name)}: ${problem}`);
    else images[service] = ref;
  }

  const search = searchOf(raw, images, issues);

  const common = {
    search,
    allowedOrigins: raw.allowedOrigins,
    admin: { cidrs: admin.map((c) => c.text), ssh: raw.adminSsh },
    dataProtection: { allowDataDeletion: raw.allowDataDeletion },
    jwtSecret: raw.jwtSecret,
    gateway: { fanoutKey: raw.gatewayFanoutKey, anomalyAllowlist: allowlist },
    images,
    monitoring: monitoringOf(raw, issues),
  };
  if (raw.target === "aws-scale") return parseScale(raw, common, issues);
  if (raw.target !== "aws") {
    if (issues.length) throw new ConfigError(issues);
    return { target: "local", ...common };
  }

  const { domain, cloudflareZoneId, deployerPublicKey, acmeEmail } = raw;
  if (!domain) issues.push(`${key("domain")}: required for the aws target`);
  if (!cloudflareZoneId) issues.push(`${key("cloudflareZoneId")}: required for the aws target`);
  if (!deployerPublicKey) issues.push(`${key("deployerPublicKey")}: required for the aws target`);
  if (!acmeEmail) issues.push(`${key("acmeEmail")}: required for the aws target (the TURNS certificate's ACME account)`);
  checkNetwork(raw.vpcCidr, raw.publicSubnetCidrs, raw.privateSubnetCidrs, issues);
  if (issues.length || !domain || !cloudflareZoneId || !deployerPublicKey || !acmeEmail) throw new ConfigError(issues);

  return {
    target: "aws",
    domain: domain.toLowerCase(),
    ...common,
    aws: {
      vpcCidr: raw.vpcCidr,
      publicSubnetCidrs: raw.publicSubnetCidrs,
      privateSubnetCidrs: raw.privateSubnetCidrs,
      instanceType: raw.instanceType,
      rootVolumeGiB: raw.rootVolumeGiB,
      dataVolumeGiB: raw.dataVolumeGiB,
      dockerVersion: raw.dockerVersion,
      deployerPublicKey,
      flowLogRetentionDays: raw.flowLogRetentionDays,
      acmeEmail,
      acmeServerUrl: raw.acmeServerUrl,
    },
    cloudflare: {
      zoneId: cloudflareZoneId,
      plan: raw.cloudflarePlan as CloudflarePlan,
      managedRulesets: raw.cloudflareManagedRulesets,
    },
  };
}

function searchOf(raw: z.output<typeof rawSchema>, images: ImageOverrides, issues: string[]): { engine: SearchEngine } {
  const engine = (raw.searchEngine ?? "elasticsearch") as SearchEngine;
  if (!(SEARCH_ENGINES as readonly string[]).includes(engine)) {
    issues.push(`${key("searchEngine")}: unknown search engine "${engine}" (expected one of: ${SEARCH_ENGINES.join(", ")})`);
    return { engine: "elasticsearch" };
  }
  if (raw.target === "aws-scale" && raw.searchEngine !== undefined) {
    issues.push(`${key("searchEngine")}: not used by the aws-scale target (search is always Amazon OpenSearch Service there); remove it`);
  }
  // The image of the engine not chosen would be silently ignored.
  const unused = engine === "opensearch" ? "elasticsearchImage" : "opensearchImage";
  if (raw[unused] !== undefined && raw.target !== "aws-scale") {
    issues.push(`${key(unused)}: set, but ${key("searchEngine")} is ${engine}; remove it or set ${key("searchEngine")} to ${unused === "opensearchImage" ? "opensearch" : "elasticsearch"}`);
  }
  const tag = images.opensearch === undefined ? undefined : /:([^:@/]+)(?:@|$)/.exec(images.opensearch)?.[1];
  if (tag !== undefined && !OPENSEARCH_LINE.test(tag)) {
    issues.push(`${key("opensearchImage")}: tag ${tag} is not a 2.19.x release; Rampart renders the 2.19 security plugin's settings (plugins.security.*), so pin a 2.19.x image`);
  }
  return { engine };
}

function monitoringOf(raw: z.output<typeof rawSchema>, issues: string[]): MonitoringConfig {
  const thresholds = Object.fromEntries(Object.entries(ALERT_KEYS).map(([field, name]) => [field, raw[name]])) as unknown as AlertThresholds;
  const mail = { to: raw.alertEmailTo, from: raw.alertEmailFrom, smarthost: raw.alertEmailSmarthost };
  const given = (Object.entries(mail) as Array<[string, string | undefined]>).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (given.length > 0 && given.length < 3) {
    const missing = Object.keys(mail).filter((k) => !given.includes(k)).map((k) => key(`alertEmail${k[0]!.toUpperCase()}${k.slice(1)}` as ConfigKeyName));
    issues.push(`${key("alertEmailTo")}: an email receiver needs ${missing.join(" and ")} too`);
  }
  if ((raw.alertEmailUsername === undefined) !== (raw.alertEmailPassword === undefined)) {
    issues.push(`${key("alertEmailUsername")}: set it together with ${key("alertEmailPassword")} (--secret), or neither`);
  }
  const email =
    mail.to && mail.from && mail.smarthost
      ? { to: mail.to, from: mail.from, smarthost: mail.smarthost, ...(raw.alertEmailUsername && raw.alertEmailPassword ? { username: raw.alertEmailUsername, password: raw.alertEmailPassword } : {}) }
      : undefined;
  return {
    thresholds,
    retentionDays: raw.prometheusRetentionDays,
    receivers: {
      ...(raw.alertSlackWebhookUrl ? { slackWebhookUrl: raw.alertSlackWebhookUrl } : {}),
      ...(raw.alertWebhookUrl ? { webhookUrl: raw.alertWebhookUrl } : {}),
      ...(email ? { email } : {}),
    },
  };
}

type Common = Pick<AwsScaleConfig, keyof CommonConfig>;

function parseScale(raw: z.output<typeof rawSchema>, common: Common, issues: string[]): AwsScaleConfig {
  const target = "the aws-scale target";
  const { domain, cloudflareZoneId, acmeEmail } = raw;
  if (!domain) issues.push(`${key("domain")}: required for ${target}`);
  if (!cloudflareZoneId) issues.push(`${key("cloudflareZoneId")}: required for ${target}`);
  if (!acmeEmail) issues.push(`${key("acmeEmail")}: required for ${target} (the TURNS certificate's ACME account)`);
  const gatewayImage = common.images.gateway;
  if (raw.gatewayImage === undefined) issues.push(`${key("gatewayImage")}: required for ${target} (a pinned, prebuilt image in a registry the nodes pull from; nothing is built on a node)`);
  if (raw.deployerPublicKey !== undefined) issues.push(`${key("deployerPublicKey")}: not used by ${target} (no Docker host is reached over SSH); remove it`);
  checkNetwork(raw.vpcCidr, raw.publicSubnetCidrs, raw.privateSubnetCidrs, issues);
  if (raw.privateSubnetCidrs.length < 3) {
    issues.push(`${key("privateSubnetCidrs")}: ${target} needs at least three private subnets (OpenSearch spreads its nodes over three availability zones)`);
  }
  if (raw.gatewayMaxReplicas < raw.gatewayReplicas) {
    issues.push(`${key("gatewayMaxReplicas")}: ${raw.gatewayMaxReplicas} is below ${key("gatewayReplicas")} ${raw.gatewayReplicas}; the autoscaler's ceiling must be at least its floor`);
  }
  if (raw.clusterPublicEndpoint && raw.adminCidrs.length === 0) {
    issues.push(`${key("clusterPublicEndpoint")}: the public API endpoint is restricted to ${key("adminCidrs")}, which is empty; set admin CIDRs or leave the endpoint private`);
  }
  if (issues.length || !domain || !cloudflareZoneId || !acmeEmail || !gatewayImage) throw new ConfigError(issues);
  return {
    target: "aws-scale",
    gatewayImage,
    domain: domain.toLowerCase(),
    ...common,
    aws: {
      vpcCidr: raw.vpcCidr,
      publicSubnetCidrs: raw.publicSubnetCidrs,
      privateSubnetCidrs: raw.privateSubnetCidrs,
      flowLogRetentionDays: raw.flowLogRetentionDays,
      acmeEmail,
      acmeServerUrl: raw.acmeServerUrl,
    },
    cloudflare: { zoneId: cloudflareZoneId, plan: raw.cloudflarePlan as CloudflarePlan, managedRulesets: raw.cloudflareManagedRulesets },
    scale: {
      clusterVersion: raw.clusterVersion,
      clusterPublicEndpoint: raw.clusterPublicEndpoint,
      media: { nodes: raw.mediaNodeCount, instanceType: raw.mediaInstanceType, livekitCpus: raw.livekitCpus, livekitMemoryMiB: raw.livekitMemoryMiB },
      app: { nodes: raw.appNodeCount, instanceType: raw.appInstanceType },
      nodeVolumeGiB: raw.nodeVolumeGiB,
      gateway: { minReplicas: raw.gatewayReplicas, maxReplicas: raw.gatewayMaxReplicas },
      edgeReplicas: raw.edgeReplicas,
      cache: { nodeType: raw.cacheNodeType, replicas: raw.cacheReplicas },
      search: {
        instanceType: raw.searchInstanceType,
        instanceCount: raw.searchInstanceCount,
        masterInstanceType: raw.searchMasterInstanceType,
        volumeGiB: raw.searchVolumeGiB,
      },
    },
  };
}

function checkCidrList(name: ConfigKeyName, list: readonly string[], issues: string[]): Cidr[] {
  const parsed: Cidr[] = [];
  for (const [i, text] of list.entries()) {
    try {
      parsed.push(parseCidr(text));
    } catch (e) {
      issues.push(`${key(name)}[${i}]: ${(e as Error).message}`);
    }
  }
  return parsed;
}

function checkNetwork(vpcText: string, publicList: readonly string[], privateList: readonly string[], issues: string[]): void {
  let vpc: Cidr | undefined;
  try {
    vpc = parseCidr(vpcText);
    if (vpc.family !== "ipv4") issues.push(`${key("vpcCidr")}: must be an IPv4 CIDR`);
    else if (vpc.prefix < 16 || vpc.prefix > 24) issues.push(`${key("vpcCidr")}: prefix /${vpc.prefix} is outside what AWS allows (/16 to /24)`);
  } catch (e) {
    issues.push(`${key("vpcCidr")}: ${(e as Error).message}`);
  }
  const subnets: Array<{ name: ConfigKeyName; index: number; cidr: Cidr }> = [];
  for (const name of ["publicSubnetCidrs", "privateSubnetCidrs"] as const) {
    const list = name === "publicSubnetCidrs" ? publicList : privateList;
    if (list.length < 2) issues.push(`${key(name)}: needs at least two subnets (one per availability zone)`);
    checkCidrList(name, list, issues).forEach((cidr, index) => {
      subnets.push({ name, index, cidr });
      if (vpc && vpc.family === "ipv4" && !cidrContains(vpc, cidr)) {
        issues.push(`${key(name)}[${index}]: ${cidr.text} is not inside ${key("vpcCidr")} ${vpc.text}`);
      }
    });
  }
  for (let i = 0; i < subnets.length; i++) {
    for (let j = i + 1; j < subnets.length; j++) {
      const a = subnets[i]!;
      const b = subnets[j]!;
      if (cidrsOverlap(a.cidr, b.cidr)) {
        issues.push(`${key(a.name)}[${a.index}]: ${a.cidr.text} overlaps ${key(b.name)}[${b.index}] ${b.cidr.text}`);
      }
    }
  }
}

