/**
 * Gateway configuration from environment variables (docs/gateway-protocol.md), validated once at start-up.
 *
 * Every secret may instead come from a file (`<NAME>_FILE`), so containers never carry secrets as
 * environment values. Errors name the offending variable and never echo its value.
 */
import { readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { createPublicKey, type KeyObject } from "node:crypto";
import { originProblem } from "@rampart/catalogue";
import { z } from "zod";

export type JwtAlgorithm = "HS256" | "RS256" | "ES256" | "EdDSA";

export interface JwtKeyConfig {
  readonly algorithm: JwtAlgorithm;
  /** HS256 secret bytes, or the public key. */
  readonly key: Uint8Array | KeyObject;
}

export interface LiveKitConfig {
  readonly url: string;
  readonly apiKey: string;
  readonly apiSecret: string;
}

export interface TurnConfig {
  readonly secret: string;
  readonly uris: readonly string[];
  readonly ttlSeconds: number;
}

/** Threshold of events within a window (seconds) that counts as an anomaly. */
export interface AnomalyRule {
  readonly threshold: number;
  readonly windowSeconds: number;
}

export interface AnomalyConfig {
  readonly rapidReconnect: AnomalyRule;
  readonly failedAuth: AnomalyRule;
  readonly roomHopping: AnomalyRule;
  readonly bulkMessages: AnomalyRule;
  readonly blockSeconds: number;
}

export interface DeviceLimits {
  readonly perMinute: number;
  readonly perHour: number;
  readonly perDay: number;
}

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly jwt: JwtKeyConfig;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  readonly redisUrl?: string;
  readonly trustedProxies: BlockList;
  readonly trustedProxyCidrs: readonly string[];
  readonly livekit?: LiveKitConfig;
  readonly turn?: TurnConfig;
  readonly devicesFile?: string;
  readonly authTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly msgPerMinute: number;
  readonly maxConnPerIp: number;
  readonly maxConnPerUser: number;
  readonly heartbeatMs: number;
  /** Bytes queued towards one client above which it counts as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** How long a client may stay over maxBufferedBytes before it is disconnected. */
  readonly slowConsumerMs: number;
  readonly maxRoomsPerConnection: number;
  readonly deviceLimits: DeviceLimits;
  readonly anomaly: AnomalyConfig;
  /** How long shutdown waits for clients to acknowledge the 1001 close before terminating them. */
  readonly drainMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const MIN_SECRET_BYTES = 32;

/** Value of `name`, or of the file named by `${name}_FILE` (one trailing newline stripped). */
function secretValue(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== "" && file) {
    throw new ConfigError(`${name} and ${name}_FILE are both set: set only one`);
  }
  if (file) {
    try {
      return readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      throw new ConfigError(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  return direct === "" ? undefined : direct;
}

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(raw.trim());
  if (!parsed.success || !/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return parsed.data;
}

function hostVar(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (isIP(raw) === 0 && raw !== "localhost") {
    throw new ConfigError(`${name} must be an IP address to listen on (got "${raw}")`);
  }
  return raw;
}

function listVar(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function parseOrigins(env: Env): Set<string> {
  const origins = listVar(env, "ALLOWED_ORIGINS");
  if (origins.length === 0) {
    throw new ConfigError("ALLOWED_ORIGINS is required: a comma-separated list of exact origins such as https://app.example.com");
  }
  for (const origin of origins) {
    const problem = originProblem(origin, { loopbackHttp: true });
    if (problem) throw new ConfigError(`ALLOWED_ORIGINS: "${origin}" ${problem}`);
  }
  return new Set(origins);
}

function parseJwtKey(env: Env): JwtKeyConfig {
  const secret = secretValue(env, "JWT_SECRET");
  const publicKey = secretValue(env, "JWT_PUBLIC_KEY");
  if (secret !== undefined && publicKey !== undefined) {
    throw new ConfigError("JWT_SECRET and JWT_PUBLIC_KEY are both set: choose one key type, never both (key confusion)");
  }
  if (publicKey !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(publicKey);
    } catch {
      throw new ConfigError("JWT_PUBLIC_KEY is not a PEM public key");
    }
    const type = key.asymmetricKeyType;
    if (type === "rsa") {
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new ConfigError("JWT_PUBLIC_KEY: RSA keys must be at least 2048 bits");
      return { algorithm: "RS256", key };
    }
    if (type === "ec") {
      if (key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new ConfigError("JWT_PUBLIC_KEY: EC keys must use P-256 (ES256)");
      return { algorithm: "ES256", key };
    }
    if (type === "ed25519") return { algorithm: "EdDSA", key };
    throw new ConfigError(`JWT_PUBLIC_KEY: unsupported key type "${type ?? "unknown"}" (use RSA, P-256 or Ed25519)`);
  }
  if (secret === undefined) {
    throw new ConfigError("JWT_SECRET is required (HS256, at least 32 bytes), or JWT_PUBLIC_KEY for RS256/ES256/EdDSA");
  }
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET is too weak: ${bytes.length} bytes, at least ${MIN_SECRET_BYTES} required (e.g. openssl rand -base64 48)`);
  }
  return { algorithm: "HS256", key: bytes };
}

function parseTrustedProxies(env: Env): { list: BlockList; cidrs: string[] } {
  const list = new BlockList();
  const cidrs = listVar(env, "TRUSTED_PROXIES");
  for (const cidr of cidrs) {
    const [address, prefixText] = cidr.split("/");
    const family = isIP(address ?? "");
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    const maxPrefix = family === 6 ? 128 : 32;
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
      throw new ConfigError(`TRUSTED_PROXIES: "${cidr}" is not an IPv4 or IPv6 CIDR`);
    }
    if (prefix === 0) throw new ConfigError(`TRUSTED_PROXIES: "${cidr}" would trust every address`);
    list.addSubnet(address!, prefix, family === 6 ? "ipv6" : "ipv4");
  }
  return { list, cidrs };
}

function parseLiveKit(env: Env): LiveKitConfig | undefined {
  const url = env.LIVEKIT_URL || undefined;
  const apiKey = env.LIVEKIT_API_KEY || undefined;
  const apiSecret = secretValue(env, "LIVEKIT_API_SECRET");
  if (url === undefined && apiKey === undefined && apiSecret === undefined) return undefined;
  if (url === undefined || apiKey === undefined || apiSecret === undefined) {
    const missing = [["LIVEKIT_URL", url], ["LIVEKIT_API_KEY", apiKey], ["LIVEKIT_API_SECRET", apiSecret]]
      .filter(([, v]) => v === undefined)
      .map(([n]) => n);
    throw new ConfigError(`LiveKit is partly configured: ${missing.join(", ")} missing`);
  }
  if (!/^(wss?|https?):\/\//.test(url)) throw new ConfigError("LIVEKIT_URL must be a ws://, wss://, http:// or https:// URL");
  if (apiSecret.length < MIN_SECRET_BYTES) throw new ConfigError(`LIVEKIT_API_SECRET is too weak: at least ${MIN_SECRET_BYTES} characters required`);
  return { url, apiKey, apiSecret };
}

function parseTurn(env: Env): TurnConfig | undefined {
  const secret = secretValue(env, "TURN_SECRET");
  const uris = listVar(env, "TURN_URIS");
  const ttlSeconds = intVar(env, "TURN_TTL_SECONDS", 3600, 60, 86_400);
  if (secret === undefined && uris.length === 0) return undefined;
  if (secret === undefined) throw new ConfigError("TURN_URIS is set but TURN_SECRET is missing");
  if (uris.length === 0) throw new ConfigError("TURN_SECRET is set but TURN_URIS is empty");
  if (secret.length < MIN_SECRET_BYTES) throw new ConfigError(`TURN_SECRET is too weak: at least ${MIN_SECRET_BYTES} characters required`);
  for (const uri of uris) {
    if (!/^(turns?|stun):[^\s]+$/.test(uri)) throw new ConfigError(`TURN_URIS: "${uri}" is not a turn:, turns: or stun: URI`);
  }
  return { secret, uris, ttlSeconds };
}

function parseRedisUrl(env: Env): string | undefined {
  const url = secretValue(env, "REDIS_URL");
  const password = secretValue(env, "REDIS_PASSWORD");
  if (url === undefined) {
    if (password !== undefined) throw new ConfigError("REDIS_PASSWORD is set but REDIS_URL is missing");
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError("REDIS_URL is not a URL (redis://user@host:port or rediss://...)");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw new ConfigError("REDIS_URL must start with redis:// or rediss://");
  if (password !== undefined) {
    if (parsed.password) throw new ConfigError("REDIS_URL already carries a password: drop it or REDIS_PASSWORD");
    parsed.password = encodeURIComponent(password);
  }
  return parsed.toString();
}

function anomalyRule(env: Env, name: string, fallback: AnomalyRule): AnomalyRule {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const threshold = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || threshold < 1 || windowSeconds < 1 || windowSeconds > 86_400) {
    throw new ConfigError(`${name} must be "<count>/<seconds>", e.g. "10/60" (got "${raw}")`);
  }
  return { threshold, windowSeconds };
}

function devicesFile(env: Env): string | undefined {
  return env.DEVICES_FILE || undefined;
}

/** Parse and validate the gateway configuration. Throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const proxies = parseTrustedProxies(env);
  const jwtIssuer = env.JWT_ISSUER || undefined;
  const jwtAudience = env.JWT_AUDIENCE || undefined;
  return {
    host: hostVar(env, "GATEWAY_HOST", "127.0.0.1"),
    port: intVar(env, "GATEWAY_PORT", 8080, 0, 65_535),
    metricsHost: hostVar(env, "METRICS_HOST", "127.0.0.1"),
    metricsPort: intVar(env, "METRICS_PORT", 9464, 0, 65_535),
    allowedOrigins: parseOrigins(env),
    jwt: parseJwtKey(env),
    ...(jwtIssuer ? { jwtIssuer } : {}),
    ...(jwtAudience ? { jwtAudience } : {}),
    ...optional("redisUrl", parseRedisUrl(env)),
    trustedProxies: proxies.list,
    trustedProxyCidrs: proxies.cidrs,
    ...optional("livekit", parseLiveKit(env)),
    ...optional("turn", parseTurn(env)),
    ...optional("devicesFile", devicesFile(env)),
    authTimeoutMs: intVar(env, "AUTH_TIMEOUT_MS", 5000, 100, 60_000),
    maxMessageBytes: intVar(env, "MAX_MESSAGE_BYTES", 16_384, 256, 1_048_576),
    msgPerMinute: intVar(env, "MSG_PER_MINUTE", 60, 1, 1_000_000),
    maxConnPerIp: intVar(env, "MAX_CONN_PER_IP", 10, 1, 1_000_000),
    maxConnPerUser: intVar(env, "MAX_CONN_PER_USER", 5, 1, 1_000_000),
    heartbeatMs: intVar(env, "HEARTBEAT_MS", 25_000, 100, 600_000),
    maxBufferedBytes: intVar(env, "MAX_BUFFERED_BYTES", 1_048_576, 16_384, 268_435_456),
    slowConsumerMs: intVar(env, "SLOW_CONSUMER_MS", 10_000, 100, 600_000),
    maxRoomsPerConnection: intVar(env, "MAX_ROOMS_PER_CONNECTION", 20, 1, 1000),
    deviceLimits: {
      perMinute: intVar(env, "DEVICE_PER_MINUTE", 300, 1, 10_000_000),
      perHour: intVar(env, "DEVICE_PER_HOUR", 10_000, 1, 10_000_000),
      perDay: intVar(env, "DEVICE_PER_DAY", 100_000, 1, 100_000_000),
    },
    anomaly: {
      rapidReconnect: anomalyRule(env, "ANOMALY_RAPID_RECONNECT", { threshold: 10, windowSeconds: 60 }),
      failedAuth: anomalyRule(env, "ANOMALY_FAILED_AUTH", { threshold: 5, windowSeconds: 300 }),
      roomHopping: anomalyRule(env, "ANOMALY_ROOM_HOPPING", { threshold: 20, windowSeconds: 60 }),
      bulkMessages: anomalyRule(env, "ANOMALY_BULK_MESSAGES", { threshold: 100, windowSeconds: 60 }),
      blockSeconds: intVar(env, "ANOMALY_BLOCK_SECONDS", 900, 1, 604_800),
    },
    drainMs: intVar(env, "DRAIN_MS", 5000, 0, 120_000),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
