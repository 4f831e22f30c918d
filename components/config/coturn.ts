import { z } from "zod";
import { port, type Target } from "@rampart/catalogue";
import { deniedPeerRanges } from "./denied-peers";
import { absolutePath, cidr, ipAddress, lineText, parseInput, positiveInt } from "./validate";

/**
 * coturn configuration (docs/services.md#coturn). Two files:
 *
 * - `turnserver.conf` (renderTurnserverConf): everything but the secret. Safe to keep in plain state
 *   and for the policy pack to read.
 * - the secret fragment (renderTurnSecretConf): the single `static-auth-secret=` line, mounted as a
 *   read-only 0400 secret file.
 *
 * coturn reads exactly one config file and has no include directive, and a secret on the command line
 * would show in `ps` and `docker inspect`. So the container concatenates both files into a private file
 * on its tmpfs at start and runs coturn on that (`turnserverStartCommand`). The tmpfs is not persisted
 * and is readable only by the service uid (umask 077).
 *
 * Static users (`user=`, `lt-cred-mech` with fixed passwords) cannot be expressed: only TURN REST API
 * credentials (`use-auth-secret`) exist, handed out by the gateway with a short TTL.
 */

/** Which coturn Prometheus exporter settings to render. Needs a coturn built with Prometheus support (≥ 4.7 for `prometheus-address`). */
export interface CoturnPrometheusInput {
  /**
   * Address the exporter binds to: the host's private or loopback address, never 0.0.0.0 (admin class).
   * `node`: the node's private address, found at start (nodeAddresses "at-start"; the start command adds it).
   */
  address: string | "node";
}

export interface TurnserverConfInput {
  /** Deploy target: chooses the relay port range from the catalogue (a small range locally). */
  target: Target;
  /** TURN realm, normally the TURN host name. Part of the REST API HMAC, must match what clients expect. */
  realm: string;
  /** Addresses coturn listens on. With host networking, the host's private address(es); never empty, so coturn does not grab every interface (docker0 included). */
  listeningIps: readonly string[];
  /**
   * `at-start`: the node's addresses are not known when the file is rendered (a Kubernetes DaemonSet runs one
   * coturn per node); `listeningIps` is then empty and `turnserverNodeStartCommand` appends the node's
   * listening, relay and external addresses when the container starts.
   */
  nodeAddresses?: "rendered" | "at-start";
  /** Addresses relay sockets are opened on. Defaults to the listening addresses. */
  relayIps?: readonly string[];
  /** Public address announced for relays when the host sits behind 1:1 NAT (AWS): `public` or `public/private`. */
  externalIp?: { public: string; private?: string };
  /** TLS listener: Let's Encrypt or other publicly trusted certificate for the TURN host name (browsers verify TURNS). */
  tls: { certPath: string; keyPath: string };
  /** Writable scratch for coturn's SQLite db (unused with REST auth, but coturn insists on opening it). */
  userDbPath?: string;
  /** Writable scratch for the pid file. */
  pidFilePath?: string;
  /** Allocation quotas and bandwidth cap: one credential must not be able to exhaust the relay. */
  quotas?: { userQuota?: number; totalQuota?: number; maxBps?: number };
  /** Extra peer networks to deny in addition to the built-in list (e.g. a VPC CIDR outside RFC 1918). */
  extraDeniedPeerCidrs?: readonly string[];
  /** Prometheus exporter on the admin-class `coturn-prometheus` port; omitted = off. */
  prometheus?: CoturnPrometheusInput;
}

export const TURN_DEFAULTS = {
  userDbPath: "/var/lib/coturn/turndb",
  pidFilePath: "/var/lib/coturn/turnserver.pid",
  userQuota: 12,
  totalQuota: 1200,
  // 3 Mbit/s per session in each direction: several HD video tracks, not a bulk-transfer pipe.
  maxBps: 375_000,
} as const;

// Mozilla "intermediate" ECDHE + AEAD suites for TLS 1.2; TLS 1.3 suites are not affected by cipher-list.
export const TURN_TLS_CIPHERS =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

const schema = z
  .object({
    target: z.enum(["aws", "local"]),
    realm: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "must be a DNS-style name (letters, digits, '.', '-')"),
    listeningIps: z.array(ipAddress),
    nodeAddresses: z.enum(["rendered", "at-start"]).default("rendered"),
    relayIps: z.array(ipAddress).min(1).optional(),
    externalIp: z.object({ public: ipAddress, private: ipAddress.optional() }).strict().optional(),
    tls: z.object({ certPath: absolutePath, keyPath: absolutePath }).strict(),
    userDbPath: absolutePath.default(TURN_DEFAULTS.userDbPath),
    pidFilePath: absolutePath.default(TURN_DEFAULTS.pidFilePath),
    quotas: z
      .object({
        userQuota: positiveInt.default(TURN_DEFAULTS.userQuota),
        totalQuota: positiveInt.default(TURN_DEFAULTS.totalQuota),
        maxBps: positiveInt.default(TURN_DEFAULTS.maxBps),
      })
      .strict()
      .default({ userQuota: TURN_DEFAULTS.userQuota, totalQuota: TURN_DEFAULTS.totalQuota, maxBps: TURN_DEFAULTS.maxBps }),
    extraDeniedPeerCidrs: z.array(cidr).default([]),
    prometheus: z
      .object({
        address: z.union([z.literal("node"), ipAddress.refine((a) => a !== "0.0.0.0" && a !== "::", "must not be a wildcard address (admin port)")]),
      })
      .strict()
      .optional(),
  })
  // strict: a caller passing `user`, `lt-cred-mech` or `allowLoopbackPeers` gets an error, not silence.
  .strict()
  .refine((i) => i.quotas.userQuota <= i.quotas.totalQuota, {
    path: ["quotas", "userQuota"],
    message: "must not exceed quotas.totalQuota",
  });

function relayRangeId(target: Target): string {
  return target === "aws" ? "turn-relay-udp" : "turn-relay-udp-local";
}

export function renderTurnserverConf(input: TurnserverConfInput): string {
  const i = parseInput("renderTurnserverConf", schema, input);
  if (i.nodeAddresses === "rendered" && i.listeningIps.length === 0) {
    throw new Error("renderTurnserverConf: listeningIps: must name at least one address (never listen on every interface)");
  }
  if ((i.prometheus?.address === "node") !== (i.nodeAddresses === "at-start" && i.prometheus !== undefined)) {
    throw new Error("renderTurnserverConf: prometheus.address \"node\" is for nodeAddresses \"at-start\" (the start command binds the exporter to the node's private address); with rendered addresses name the address");
  }
  if (i.nodeAddresses === "at-start" && (i.listeningIps.length > 0 || i.relayIps || i.externalIp)) {
    throw new Error("renderTurnserverConf: with nodeAddresses \"at-start\" the start command supplies listening, relay and external addresses; leave listeningIps, relayIps and externalIp out");
  }
  const relay = port(relayRangeId(i.target));
  const lines: string[] = [
    "# Rendered by components/config/coturn.ts. The REST API secret is NOT in this file: the container",
    "# appends the separate secret fragment at start (turnserverStartCommand).",
    "",
    "# Listeners: exactly the catalogue's TURN ports on the given addresses.",
    ...i.listeningIps.map((a) => `listening-ip=${a}`),
    `listening-port=${port("turn-udp").from}`,
    `tls-listening-port=${port("turns-tcp").from}`,
    ...(i.relayIps ?? i.listeningIps).map((a) => `relay-ip=${a}`),
    ...(i.externalIp
      ? [`external-ip=${i.externalIp.private ? `${i.externalIp.public}/${i.externalIp.private}` : i.externalIp.public}`]
      : []),
    `min-port=${relay.from}`,
    `max-port=${relay.to}`,
    // RFC 5780 NAT discovery opens extra "alternative" listeners outside the catalogue; DTLS would need
    // a UDP TLS port the catalogue does not publish.
    "no-rfc5780",
    "no-dtls",
    "",
    "# Authentication: TURN REST API (time-limited HMAC credentials) only.",
    "use-auth-secret",
    `realm=${i.realm}`,
    "fingerprint",
    "stale-nonce=600",
    "check-origin-consistency",
    "",
    "# TLS",
    `cert=${i.tls.certPath}`,
    `pkey=${i.tls.keyPath}`,
    `cipher-list="${TURN_TLS_CIPHERS}"`,
    "no-tlsv1",
    "no-tlsv1_1",
    "",
    "# Quotas",
    `user-quota=${i.quotas.userQuota}`,
    `total-quota=${i.quotas.totalQuota}`,
    `max-bps=${i.quotas.maxBps}`,
    "",
    "# Peers: relay only to public unicast addresses (no SSRF into private, loopback, metadata, multicast).",
    "no-multicast-peers",
    // WebRTC relays UDP; TCP relay (RFC 6062) would let clients open TCP connections to arbitrary peers.
    "no-tcp-relay",
    ...deniedPeerRanges(i.extraDeniedPeerCidrs).map((r) => `denied-peer-ip=${r.first}-${r.last}`),
    "",
    "# Hardening",
    "no-cli",
    "no-software-attribute",
    "no-stun-backward-compatibility",
    "response-origin-only-with-rfc5780",
    `userdb=${i.userDbPath}`,
    `pidfile=${i.pidFilePath}`,
    "",
    "# Logs to stdout for the container runtime.",
    "log-file=stdout",
    "simple-log",
    "new-log-timestamp",
  ];
  if (i.prometheus) {
    lines.push(
      "",
      "# Prometheus exporter on the admin-class port, bound to a non-wildcard address.",
      "prometheus",
      ...(i.prometheus.address === "node" ? [] : [`prometheus-address=${i.prometheus.address}`]),
      `prometheus-port=${port("coturn-prometheus").from}`,
    );
  }
  return lines.join("\n") + "\n";
}

const secretSchema = lineText
  .min(32, "must be at least 32 characters")
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces or quotes")
  .refine((s) => !s.includes('"'), "must not contain a double quote");

/** The secret fragment: one `static-auth-secret=` line, to be mounted as a 0400 secret file. */
export function renderTurnSecretConf(secret: string): string {
  const s = parseInput("renderTurnSecretConf", z.object({ secret: secretSchema }), { secret }).secret;
  return `static-auth-secret=${s}\n`;
}

export interface TurnserverStartPaths {
  /** The rendered turnserver.conf (read-only mount). */
  configPath: string;
  /** The rendered secret fragment (read-only 0400 secret mount). */
  secretPath: string;
  /** Where the merged file goes: on the container's private tmpfs. */
  mergedPath: string;
}

export interface TurnserverNodeStartPaths extends TurnserverStartPaths {
  /** The config renders `prometheus` with address "node": bind the exporter to the node's private address. */
  prometheusOnNode?: boolean;
}

/**
 * Container command that merges config and secret into a private tmpfs file and execs coturn on it.
 * `exec` keeps coturn as the process that receives signals (behind `init: true`).
 */
/**
 * The start command of a coturn whose node addresses are found at start (nodeAddresses "at-start"): the
 * node's private address from `NODE_IP` (the Kubernetes downward API's status.hostIP) and its public
 * address from the instance metadata service (IMDSv2; reachable from the host network with a hop limit of 1),
 * appended to the rendered file with the secret fragment into a private file. It refuses to start without both.
 */
export function turnserverNodeStartCommand(paths: TurnserverNodeStartPaths): string[] {
  const p = parseInput(
    "turnserverNodeStartCommand",
    z.object({ configPath: absolutePath, secretPath: absolutePath, mergedPath: absolutePath, prometheusOnNode: z.boolean().default(false) }).strict(),
    paths,
  );
  const exporter = p.prometheusOnNode ? "prometheus-address=%s\n" : "";
  const exporterArg = p.prometheusOnNode ? ' "$NODE_IP"' : "";
  const imds = "http://169.254.169.254/latest";
  return [
    "/bin/sh",
    "-c",
    [
      "set -eu",
      `TOKEN="$(wget -q -O - --header 'X-aws-ec2-metadata-token-ttl-seconds: 60' --method PUT ${imds}/api/token)"`,
      `PUBLIC_IP="$(wget -q -O - --header "X-aws-ec2-metadata-token: $TOKEN" ${imds}/meta-data/public-ipv4)"`,
      `[ -n "\${NODE_IP:-}" ] && [ -n "$PUBLIC_IP" ] || { echo "coturn: node addresses unknown (NODE_IP, public-ipv4)" >&2; exit 1; }`,
      "umask 077",
      `{ cat '${p.configPath}'; printf 'listening-ip=%s\nrelay-ip=%s\nexternal-ip=%s/%s\n${exporter}' "$NODE_IP" "$NODE_IP" "$PUBLIC_IP" "$NODE_IP"${exporterArg}; cat '${p.secretPath}'; } > '${p.mergedPath}'`,
      `exec turnserver -c '${p.mergedPath}'`,
    ].join("\n"),
  ];
}

export function turnserverStartCommand(paths: TurnserverStartPaths): string[] {
  const p = parseInput(
    "turnserverStartCommand",
    z.object({ configPath: absolutePath, secretPath: absolutePath, mergedPath: absolutePath }).strict(),
    paths,
  );
  return [
    "/bin/sh",
    "-c",
    `umask 077 && cat '${p.configPath}' '${p.secretPath}' > '${p.mergedPath}' && exec turnserver -c '${p.mergedPath}'`,
  ];
}
