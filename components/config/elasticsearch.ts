import { stringify } from "yaml";
import { z } from "zod";
import { port } from "@rampart/catalogue";
import { absolutePath, bareToken, hostOrIp, ipAddress, parseInput, positiveInt } from "./validate";

/**
 * Elasticsearch configuration (docs/services.md#elasticsearch): security on, TLS on HTTP and transport, bound to internal
 * addresses, data and logs on the writable mounts. The `elastic` password is not here: it is
 * bootstrapped from a secret file into the pre-created keystore by the container component.
 */

export interface PemTlsInput {
  /** PEM certificate (chain) of this node. */
  certificatePath: string;
  /** PEM private key (unencrypted: a passphrase would need the keystore). */
  keyPath: string;
  /** PEM CA certificate(s) used to verify peers (transport) and offered to HTTP clients. */
  certificateAuthoritiesPath: string;
}

export interface ElasticsearchYmlInput {
  clusterName: string;
  nodeName: string;
  /** Internal addresses (container/private IP). Never 0.0.0.0: a public port must not reach it. */
  networkHosts: readonly string[];
  /** Single node (default) or a cluster: seed hosts and the initial master-eligible node names. */
  discovery?: { seedHosts: readonly string[]; initialMasterNodes: readonly string[] };
  /** Writable mounts (the root file system is read-only). */
  dataPath?: string;
  logsPath?: string;
  httpTls: PemTlsInput;
  transportTls: PemTlsInput;
}

export const ES_DEFAULTS = {
  dataPath: "/usr/share/elasticsearch/data",
  logsPath: "/usr/share/elasticsearch/logs",
} as const;

const pem = z.object({ certificatePath: absolutePath, keyPath: absolutePath, certificateAuthoritiesPath: absolutePath }).strict();

const schema = z
  .object({
    clusterName: bareToken,
    nodeName: bareToken,
    networkHosts: z
      .array(ipAddress.refine((a) => a !== "0.0.0.0" && a !== "::", "must not be a wildcard address (Elasticsearch is VPC-only)"))
      .min(1, "must name at least one internal address"),
    discovery: z
      .object({ seedHosts: z.array(hostOrIp).min(1), initialMasterNodes: z.array(bareToken).min(1) })
      .strict()
      .optional(),
    dataPath: absolutePath.default(ES_DEFAULTS.dataPath),
    logsPath: absolutePath.default(ES_DEFAULTS.logsPath),
    httpTls: pem,
    transportTls: pem,
  })
  .strict();

export function renderElasticsearchYml(input: ElasticsearchYmlInput): string {
  const i = parseInput("renderElasticsearchYml", schema, input);
  const config: Record<string, unknown> = {
    "cluster.name": i.clusterName,
    "node.name": i.nodeName,
    "network.host": [...i.networkHosts],
    "http.port": port("elasticsearch-http").from,
    "transport.port": port("elasticsearch-transport").from,
    ...(i.discovery
      ? {
          "discovery.seed_hosts": [...i.discovery.seedHosts],
          "cluster.initial_master_nodes": [...i.discovery.initialMasterNodes],
        }
      : { "discovery.type": "single-node" }),
    "path.data": i.dataPath,
    "path.logs": i.logsPath,
    "xpack.security.enabled": true,
    // Enrollment tokens would let a new node or Kibana join with a token printed to the log.
    "xpack.security.enrollment.enabled": false,
    "xpack.security.http.ssl.enabled": true,
    "xpack.security.http.ssl.certificate": i.httpTls.certificatePath,
    "xpack.security.http.ssl.key": i.httpTls.keyPath,
    "xpack.security.http.ssl.certificate_authorities": [i.httpTls.certificateAuthoritiesPath],
    "xpack.security.http.ssl.supported_protocols": ["TLSv1.3", "TLSv1.2"],
    "xpack.security.transport.ssl.enabled": true,
    // Nodes present certificates from our CA; full hostname checks would tie certs to container IPs.
    "xpack.security.transport.ssl.verification_mode": "certificate",
    "xpack.security.transport.ssl.client_authentication": "required",
    "xpack.security.transport.ssl.certificate": i.transportTls.certificatePath,
    "xpack.security.transport.ssl.key": i.transportTls.keyPath,
    "xpack.security.transport.ssl.certificate_authorities": [i.transportTls.certificateAuthoritiesPath],
    "xpack.security.transport.ssl.supported_protocols": ["TLSv1.3", "TLSv1.2"],
    // Wildcard or _all deletes need the index name spelled out.
    "action.destructive_requires_name": true,
    // No outbound calls from a VPC-only service.
    "ingest.geoip.downloader.enabled": false,
  };
  return "# Rendered by components/config/elasticsearch.ts.\n" + stringify(config);
}

/** Largest heap that keeps compressed object pointers safely (Elastic: stay below ~32 GB, 26-30 GB is safe). */
export const MAX_HEAP_MIB = 30 * 1024;
/** Smallest container limit worth starting Elasticsearch in (heap 512 MiB). */
export const MIN_MEMORY_LIMIT_MIB = 1024;

/** jvm.options.d fragment: heap = half the container limit (the rest is for Lucene's page cache), Xms = Xmx. */
export function renderJvmHeapOptions(memoryLimitMiB: number): string {
  const limit = parseInput(
    "renderJvmHeapOptions",
    z.object({
      memoryLimitMiB: positiveInt.min(MIN_MEMORY_LIMIT_MIB, `must be at least ${MIN_MEMORY_LIMIT_MIB} MiB (heap 512 MiB)`),
    }),
    { memoryLimitMiB },
  ).memoryLimitMiB;
  const heap = Math.min(Math.floor(limit / 2), MAX_HEAP_MIB);
  return `# Rendered by components/config/elasticsearch.ts: 50 % of a ${limit} MiB container limit.\n-Xms${heap}m\n-Xmx${heap}m\n`;
}
