/**
 * What RampartContainers takes: a union on `target`, so the aws stack cannot be written without the
 * host's addresses, Cloudflare's ranges and its certificates, which locally have stand-ins.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Target } from "@rampart/catalogue";
import type { AlertThresholds } from "../config/alert-rules";
import type { AlertReceiverArgs } from "./services/alertmanager";
import type { ImageService } from "./images";
import type { GatewayBuild } from "./services/gateway";

export interface ServiceResources {
  memoryMiB?: number;
  cpus?: number;
}

export interface EdgeTls {
  certPem: pulumi.Input<string>;
  keyPem: pulumi.Input<string>;
  originPullCaPem: pulumi.Input<string>;
}

export interface TurnTls {
  certPem: pulumi.Input<string>;
  keyPem: pulumi.Input<string>;
}

interface SharedArgs {
  /** Name prefix for containers, networks and volumes (default "rampart"). */
  prefix?: string;
  /** Address the edge proxy's 443 is published on (default: 127.0.0.1 locally, 0.0.0.0 on AWS). */
  edgePublishAddress?: pulumi.Input<string>;
  /** Host names (defaults: app.<domain>, turn.<domain>). */
  hostnames?: { app?: string; turn?: string };
  /** Per-service image overrides (each must be pinned). */
  images?: Partial<Record<ImageService, pulumi.Input<string>>>;
  gatewayBuild?: GatewayBuild;
  /** The search node (default elasticsearch); `resources.elasticsearch` sizes either. */
  searchEngine?: "elasticsearch" | "opensearch";
  /** Browser origins the gateway accepts (default: the HTTPS entry, https://<app host> on AWS). */
  allowedOrigins?: pulumi.Input<pulumi.Input<string>[]>;
  resources?: Partial<Record<"livekit" | "coturn" | "gateway" | "elasticsearch" | "redis" | "edge" | "prometheus" | "alertmanager" | "grafana" | "blackbox", ServiceResources>>;
  /** Prometheus, Alertmanager and Grafana: alert thresholds (defaults: ALERT_DEFAULTS), receivers, retention. */
  monitoring?: { thresholds?: AlertThresholds; receivers?: AlertReceiverArgs; retentionDays?: number };
  /** Secret overrides from `pulumi config --secret`; generated when omitted. */
  secrets?: {
    jwtSecret?: pulumi.Input<string>;
    turnSecret?: pulumi.Input<string>;
    livekitApiSecret?: pulumi.Input<string>;
    elasticPassword?: pulumi.Input<string>;
    /** MAC key of the gateways' Redis fan-out. */
    gatewayFanoutKey?: pulumi.Input<string>;
  };
  /** CIDRs the gateway never counts or blocks per IP (shared egress addresses an operator vouches for). */
  gatewayAnomalyAllowlist?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Let destroy and replacements delete the data volumes (Elasticsearch, Redis, Prometheus, Alertmanager,
   * Grafana). Default false: each is protected and retained (components/protection).
   */
  allowDataDeletion?: boolean;
  /** Subnets of the three networks (defaults 172.30.10.0/24, 172.30.20.0/24 and 172.30.30.0/24). */
  internalSubnet?: string;
  edgeSubnet?: string;
  monitoringSubnet?: string;
}

/** Local: loopback addresses and a local CA stand in for what AWS and Cloudflare supply; each may be overridden. */
interface LocalContainersArgs extends SharedArgs {
  target: "local";
  /** Base domain (default "rampart.localhost"). */
  domain?: string;
  /** Where admin/vpc ports bind (default 127.0.0.1). */
  bindAddress?: pulumi.Input<string>;
  /** The address coturn announces (default 127.0.0.1). */
  publicAddress?: pulumi.Input<string>;
  /** Peers whose CF-Connecting-IP the edge believes (default: loopback only, i.e. none). */
  cloudflareRanges?: pulumi.Input<pulumi.Input<string>[]>;
  /** Edge TLS (default: issued by the local CA, with its origin-pull CA). */
  edgeTls?: EdgeTls;
  /** TURNS certificate (default: the local CA's server certificate). */
  turnTls?: TurnTls;
}

/** AWS: the host's addresses, Cloudflare's ranges and real certificates all come from outside. */
interface AwsContainersArgs extends SharedArgs {
  target: "aws";
  /** Base domain. */
  domain: string;
  /** The host's private address: admin/vpc ports, and LiveKit's and coturn's API on the host network. */
  bindAddress: pulumi.Input<string>;
  /** The host's public address (the Elastic IP), announced by coturn and LiveKit. */
  publicAddress: pulumi.Input<string>;
  /** Cloudflare's IPv4+IPv6 ranges for set_real_ip_from. */
  cloudflareRanges: pulumi.Input<pulumi.Input<string>[]>;
  /** Origin CA certificate + key and the zone's origin-pull CA. */
  edgeTls: EdgeTls;
  /** Publicly trusted certificate for TURNS. */
  turnTls: TurnTls;
}

/** Keyed by target, so the per-target table can name each target's own arguments. */
export interface ArgsByTarget {
  aws: AwsContainersArgs;
  local: LocalContainersArgs;
}

export type RampartContainersArgs = ArgsByTarget[Target];
