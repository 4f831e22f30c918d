import * as pulumi from "@pulumi/pulumi";
import { RampartContainers } from "../components/containers";
import { monitoringArgs } from "./monitoring";
import type { LocalConfig } from "./config";

/**
 * Local target: the whole stack on the local Docker daemon. Elasticsearch, Redis and the LiveKit API sit
 * on an internal network; only the edge proxy, LiveKit media and TURN are published, on 127.0.0.1.
 */
export function deployLocal(config: LocalConfig): Record<string, pulumi.Input<unknown>> {
  const containers = new RampartContainers("rampart", {
    target: "local",
    allowedOrigins: [...config.allowedOrigins],
    allowDataDeletion: config.dataProtection.allowDataDeletion,
    images: config.images,
    searchEngine: config.search.engine,
    monitoring: monitoringArgs(config.monitoring),
    secrets: {
      ...(config.jwtSecret ? { jwtSecret: pulumi.secret(config.jwtSecret) } : {}),
      ...(config.gateway.fanoutKey ? { gatewayFanoutKey: pulumi.secret(config.gateway.fanoutKey) } : {}),
    },
    gatewayAnomalyAllowlist: [...config.gateway.anomalyAllowlist],
  });
  return {
    endpoints: containers.endpoints,
    grafanaAdminPassword: containers.grafanaAdminPassword,
    internalNetwork: containers.internalNetworkName,
    // The edge proxy demands a client certificate (the local stand-in for Cloudflare's origin pull).
    localClientCertificate: pulumi.secret(containers.localClientCertificate),
  };
}
