import { stringify } from "yaml";
import { z } from "zod";
import { port, type Target } from "@rampart/catalogue";
import { absolutePath, bareToken, hostOrIp, ipAddress, parseInput, tcpPort } from "./validate";

/**
 * LiveKit server configuration (docs/services.md#livekit). Three files:
 *
 * - `livekit.yaml` (renderLivekitYaml): ports, RTC, logging, `key_file`. No secret: policies read it.
 * - the key file (renderLivekitKeyFile): `apiKey: secret` lines, mounted 0400 (LiveKit refuses a key
 *   file readable by group/others).
 * - the secret fragment (renderLivekitSecretYaml): the `redis:` and `prometheus:` blocks, which carry
 *   passwords. LiveKit reads one YAML file and has no password-file or include option, and secrets in
 *   environment values are not allowed (docs/container-baseline.md). So the container concatenates livekit.yaml and the
 *   fragment into a private tmpfs file at start (`livekitStartCommand`). The fragment owns both blocks
 *   entirely because a YAML mapping may not repeat a top-level key.
 */

export interface LivekitYamlInput {
  /** Deploy target: aws uses the 50000-60000/udp range, local the single UDP mux port (catalogue). */
  target: Target;
  /** Addresses the HTTP/WebSocket API (7880) binds to: the private address, reached through the edge. */
  bindAddresses: readonly string[];
  /** Path of the key file inside the container. */
  keyFilePath: string;
  /** Discover and announce the public IP via STUN (AWS 1:1 NAT). Off only for the local target. */
  useExternalIp: boolean;
  /** Fixed public IP to announce instead of discovery (optional). */
  nodeIp?: string;
  /** Log level; logs are JSON for the log pipeline. */
  logLevel?: "debug" | "info" | "warn" | "error";
}

const yamlSchema = z
  .object({
    target: z.enum(["aws", "local"]),
    bindAddresses: z.array(ipAddress).min(1, "must name at least one address"),
    keyFilePath: absolutePath,
    useExternalIp: z.boolean(),
    nodeIp: ipAddress.optional(),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  })
  .strict();

export function renderLivekitYaml(input: LivekitYamlInput): string {
  const i = parseInput("renderLivekitYaml", yamlSchema, input);
  const rtc: Record<string, unknown> = { tcp_port: port("livekit-rtc-tcp").from };
  if (i.target === "aws") {
    const range = port("livekit-rtc-udp");
    rtc.port_range_start = range.from;
    rtc.port_range_end = range.to;
  } else {
    rtc.udp_port = port("livekit-rtc-udp-mux").from;
  }
  rtc.use_external_ip = i.useExternalIp;
  if (i.nodeIp) rtc.node_ip = i.nodeIp;
  const config = {
    port: port("livekit-api").from,
    bind_addresses: [...i.bindAddresses],
    key_file: i.keyFilePath,
    rtc,
    // coturn is the TURN server: the embedded one stays off and clients get coturn REST credentials
    // from the gateway's iceServers.
    turn: { enabled: false },
    logging: { json: true, level: i.logLevel },
  };
  return "# Rendered by components/config/livekit.ts. redis: and prometheus: come from the secret fragment.\n" + stringify(config);
}

const keyName = z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, "must be 3-64 letters, digits, '_' or '-'");
const keySecret = z
  .string()
  .min(32, "must be at least 32 characters")
  .regex(/^[A-Za-z0-9_\-+/=.]+$/, "must use only letters, digits and _ - + / = .");

/** The key file: one `apiKey: secret` line per key. */
export function renderLivekitKeyFile(keys: Readonly<Record<string, string>>): string {
  const k = parseInput(
    "renderLivekitKeyFile",
    z.record(keyName, keySecret).refine((r) => Object.keys(r).length > 0, "must hold at least one key"),
    keys,
  );
  return stringify(k);
}

export interface LivekitSecretYamlInput {
  /** Redis for multi-node routing. LiveKit authenticates with its own ACL user (redis.ts livekitAclUser). */
  redis: { address: string; port?: number; username: string; password: string; useTls?: boolean };
  /** Prometheus exporter on the admin-class port, behind basic auth. */
  prometheus: { username: string; password: string };
}

const secretText = z
  .string()
  .min(16, "must be at least 16 characters")
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

const secretSchema = z
  .object({
    redis: z
      .object({
        address: hostOrIp,
        port: tcpPort.optional(),
        username: bareToken,
        password: secretText,
        useTls: z.boolean().default(false),
      })
      .strict(),
    prometheus: z.object({ username: bareToken, password: secretText }).strict(),
  })
  .strict();

export function renderLivekitSecretYaml(input: LivekitSecretYamlInput): string {
  const i = parseInput("renderLivekitSecretYaml", secretSchema, input);
  const host = i.redis.address.includes(":") ? `[${i.redis.address}]` : i.redis.address;
  return stringify({
    redis: {
      address: `${host}:${i.redis.port ?? port("redis").from}`,
      username: i.redis.username,
      password: i.redis.password,
      use_tls: i.redis.useTls,
    },
    prometheus: {
      port: port("livekit-prometheus").from,
      username: i.prometheus.username,
      password: i.prometheus.password,
    },
  });
}

/** Container command: merge config and secret fragment on the private tmpfs, then exec LiveKit on it. */
export function livekitStartCommand(paths: { configPath: string; secretPath: string; mergedPath: string }): string[] {
  const p = parseInput(
    "livekitStartCommand",
    z.object({ configPath: absolutePath, secretPath: absolutePath, mergedPath: absolutePath }).strict(),
    paths,
  );
  return [
    "/bin/sh",
    "-c",
    `umask 077 && cat '${p.configPath}' '${p.secretPath}' > '${p.mergedPath}' && exec /livekit-server --config '${p.mergedPath}'`,
  ];
}
