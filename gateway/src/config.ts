/**
 * Gateway configuration from environment variables (docs/gateway-protocol.md), validated once at start-up.
 *
 * VARIABLES is the one table of them: `loadConfig` parses with it and `npm start -w gateway -- --help`
 * prints it. Every secret may instead come from a file (`<NAME>_FILE`), so containers never carry secrets
 * as environment values. Validation goes on past a bad value, so one run reports every problem; each
 * message names its variable and how to fix it, and never echoes a secret.
 */
import { readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { createPublicKey, type KeyObject } from "node:crypto";
import { originProblem, port, SECRET_MASK, secretValueKind } from "@rampart/catalogue";
import { pino } from "pino";
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
  /** Upgrades per IP: unauthenticated, so high enough for a carrier-grade NAT or an office egress. */
  readonly rapidReconnect: AnomalyRule;
  /** Successful authentications per user: reconnect storms of one user are charged to that user. */
  readonly rapidReconnectUser: AnomalyRule;
  /** Auth failures per IP (nobody is authenticated yet). */
  readonly failedAuth: AnomalyRule;
  /** Re-auth failures per user (an authenticated connection presenting a bad token). */
  readonly failedAuthUser: AnomalyRule;
  readonly roomHopping: AnomalyRule;
  readonly bulkMessages: AnomalyRule;
  readonly blockSeconds: number;
  /** Operator-listed addresses that are never counted or blocked per IP; their users still are. */
  readonly allowlist: BlockList;
  readonly allowlistCidrs: readonly string[];
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
  /** FANOUT_KEY: the MAC key of payloads between instances; present whenever redisUrl is. */
  readonly fanoutKey?: Uint8Array;
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
  /** WebSocket pings a client may send per minute on one connection; more is a ping flood. */
  readonly pingsPerMinute: number;
  /** Bytes queued towards one client above which it counts as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** How long a client may stay over maxBufferedBytes before it is disconnected. */
  readonly slowConsumerMs: number;
  readonly maxRoomsPerConnection: number;
  readonly deviceLimits: DeviceLimits;
  readonly anomaly: AnomalyConfig;
  /** How long shutdown waits for clients to acknowledge the 1001 close before terminating them. */
  readonly drainMs: number;
  /** pino level of the gateway's log. */
  readonly logLevel: string;
}

/** Every problem of one configuration, one message each (`message` holds them one per line). */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export const MIN_SECRET_BYTES = 32;

interface VariableBase {
  readonly meaning: string;
  /** May come from the file named by `<NAME>_FILE` instead. */
  readonly secret?: true;
}
interface IntegerVariable extends VariableBase {
  readonly kind: "integer";
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
}
interface HostVariable extends VariableBase {
  readonly kind: "host";
  readonly fallback: string;
}
interface RuleVariable extends VariableBase {
  readonly kind: "rule";
  readonly fallback: AnomalyRule;
}
interface ChoiceVariable extends VariableBase {
  readonly kind: "choice";
  readonly fallback: string;
  readonly choices: readonly string[];
}
/** Parsed by its own function below; `shown` is what `--help` prints as its default. */
interface TextVariable extends VariableBase {
  readonly kind: "text";
  readonly shown?: string;
}
type Variable = IntegerVariable | HostVariable | RuleVariable | ChoiceVariable | TextVariable;

const integer = (fallback: number, min: number, max: number, meaning: string): IntegerVariable => ({ kind: "integer", fallback, min, max, meaning });
const host = (fallback: string, meaning: string): HostVariable => ({ kind: "host", fallback, meaning });
const rule = (threshold: number, windowSeconds: number, meaning: string): RuleVariable => ({ kind: "rule", fallback: { threshold, windowSeconds }, meaning });
const text = (meaning: string, shown?: string): TextVariable => ({ kind: "text", meaning, ...(shown ? { shown } : {}) });
const secret = (meaning: string, shown?: string): TextVariable & { readonly secret: true } => ({ ...text(meaning, shown), secret: true });

/** Every variable the gateway reads, in the order `--help` lists them and problems are reported. */
export const VARIABLES = {
  GATEWAY_HOST: host("127.0.0.1", "address of the WebSocket, device API, /healthz and /readyz (an IP, or localhost)"),
  GATEWAY_PORT: integer(port("gateway-http").from, 0, 65_535, "their port"),
  METRICS_HOST: host("127.0.0.1", "address of GET /metrics"),
  METRICS_PORT: integer(port("gateway-metrics").from, 0, 65_535, "its port"),
  ALLOWED_ORIGINS: text("comma-separated exact origins, e.g. https://app.example.com (http: only for localhost)", "required"),
  JWT_SECRET: secret(`HS256 secret, at least ${MIN_SECRET_BYTES} bytes`, "required unless JWT_PUBLIC_KEY"),
  JWT_PUBLIC_KEY: secret("PEM public key: RSA >= 2048 bits (RS256), P-256 (ES256) or Ed25519 (EdDSA)"),
  JWT_ISSUER: text("iss every token must carry"),
  JWT_AUDIENCE: text("aud every token must carry"),
  REDIS_URL: secret("redis:// or rediss:// URL of the shared state; without it, memory only"),
  REDIS_PASSWORD: secret("added to REDIS_URL, which must then carry none"),
  FANOUT_KEY: secret(`MAC key of room messages between instances (at least ${MIN_SECRET_BYTES} bytes, the same on every instance)`, "required with REDIS_URL"),
  TRUSTED_PROXIES: text("comma-separated CIDRs whose CF-Connecting-IP / X-Forwarded-For are believed; no /0"),
  LIVEKIT_URL: text("LiveKit URL, ws(s):// or http(s)://; LIVEKIT_* all three or none"),
  LIVEKIT_API_KEY: text("LiveKit API key"),
  LIVEKIT_API_SECRET: secret(`LiveKit API secret, at least ${MIN_SECRET_BYTES} characters`),
  TURN_SECRET: secret(`TURN REST secret (coturn static-auth-secret), at least ${MIN_SECRET_BYTES} characters`),
  TURN_URIS: text("comma-separated turn:, turns: or stun: URIs; set with TURN_SECRET"),
  TURN_TTL_SECONDS: integer(3600, 60, 86_400, "lifetime of TURN credentials"),
  DEVICES_FILE: text("device registry (JSON); no device is accepted without it"),
  AUTH_TIMEOUT_MS: integer(5000, 100, 60_000, "time allowed for the first frame"),
  MAX_MESSAGE_BYTES: integer(16_384, 256, 1_048_576, "largest WebSocket frame"),
  MSG_PER_MINUTE: integer(60, 1, 1_000_000, "frames per user per minute"),
  MAX_CONN_PER_IP: integer(10, 1, 1_000_000, "concurrent connections per client address"),
  MAX_CONN_PER_USER: integer(5, 1, 1_000_000, "concurrent connections per user"),
  HEARTBEAT_MS: integer(25_000, 100, 600_000, "ping interval"),
  PINGS_PER_MINUTE: integer(30, 1, 100_000, "WebSocket pings a client may send per connection per minute"),
  MAX_BUFFERED_BYTES: integer(1_048_576, 16_384, 268_435_456, "send buffer above which a client counts as slow"),
  SLOW_CONSUMER_MS: integer(10_000, 100, 600_000, "how long a client may stay above it before it is disconnected"),
  MAX_ROOMS_PER_CONNECTION: integer(20, 1, 1000, "rooms one connection may be in"),
  DEVICE_PER_MINUTE: integer(300, 1, 10_000_000, "requests per device per minute"),
  DEVICE_PER_HOUR: integer(10_000, 1, 10_000_000, "requests per device per hour"),
  DEVICE_PER_DAY: integer(100_000, 1, 100_000_000, "requests per device per day"),
  ANOMALY_RAPID_RECONNECT: rule(300, 60, "upgrades per IP per window (a shared address carries many users)"),
  ANOMALY_USER_RECONNECT: rule(10, 60, "authentications per user per window"),
  ANOMALY_FAILED_AUTH: rule(30, 300, "auth and device signature failures per IP per window"),
  ANOMALY_USER_FAILED_AUTH: rule(5, 300, "re-auth failures per user per window"),
  ANOMALY_ROOM_HOPPING: rule(20, 60, "joins per user per window"),
  ANOMALY_BULK_MESSAGES: rule(100, 60, "room messages per user or device per window"),
  ANOMALY_BLOCK_SECONDS: integer(900, 1, 604_800, "how long an offender stays blocked"),
  ANOMALY_ALLOWLIST: text("comma-separated CIDRs never counted, blocked or capped per IP (their users still are); no /0"),
  DRAIN_MS: integer(5000, 0, 120_000, "how long shutdown waits after the 1001 close"),
  LOG_LEVEL: { kind: "choice", fallback: "info", choices: [...Object.keys(pino.levels.values), "silent"], meaning: "pino log level" },
} as const satisfies Record<string, Variable>;

type Variables = typeof VARIABLES;
type VariableName = keyof Variables;
type NameOf<K extends Variable["kind"]> = { [N in VariableName]: Variables[N]["kind"] extends K ? N : never }[VariableName];
type SecretName = { [N in VariableName]: Variables[N] extends { secret: true } ? N : never }[VariableName];

function shownDefault(variable: Variable): string {
  switch (variable.kind) {
    case "integer":
    case "host":
    case "choice":
      return String(variable.fallback);
    case "rule":
      return `${variable.fallback.threshold}/${variable.fallback.windowSeconds}`;
    case "text":
      return variable.shown ?? "-";
  }
}

function shownMeaning(variable: Variable): string {
  if (variable.kind === "integer") return `${variable.meaning} (${variable.min}-${variable.max})`;
  if (variable.kind === "rule") return `${variable.meaning} (<count>/<seconds>)`;
  if (variable.kind === "choice") return `${variable.meaning} (${variable.choices.join(", ")})`;
  return variable.meaning;
}

/** The table for `--help`: name (`NAME[_FILE]` for secrets), default, meaning. */
export function variableRows(): string[][] {
  return Object.entries(VARIABLES).map(([name, variable]: [string, Variable]) => [
    variable.secret ? `${name}[_FILE]` : name,
    shownDefault(variable),
    shownMeaning(variable),
  ]);
}

/** A value quoted for a message, or the secret mask when it looks like a credential whatever its variable. */
function quoted(value: string): string {
  return secretValueKind(value) ? SECRET_MASK : JSON.stringify(value);
}

/** A secret from `name`, or the file named by `${name}_FILE` (one trailing newline stripped). */
export type SecretRead = { readonly value: string | undefined } | { readonly problem: string };

export function readSecret(env: Env, name: string): SecretRead {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== "" && file) {
    return { problem: `${name} and ${name}_FILE are both set: set only one` };
  }
  if (file) {
    try {
      return { value: readFileSync(file, "utf8").replace(/\r?\n$/, "") };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      return { problem: `${name}_FILE: cannot read ${file} (${code}): point it at a file the gateway's user can read` };
    }
  }
  return { value: direct === "" ? undefined : direct };
}

/** Reads variables from the table, collecting a message for every problem instead of stopping at the first. */
class Reader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  report(message: string): undefined {
    this.problems.push(message);
    return undefined;
  }

  /** The value, undefined when unset or empty. */
  raw(name: VariableName): string | undefined {
    return this.env[name] || undefined;
  }

  list(name: VariableName): string[] {
    return (this.env[name] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }

  /** The secret, undefined when unset, null when set but unusable (already reported). */
  secret(name: SecretName): string | undefined | null {
    const read = readSecret(this.env, name);
    if ("problem" in read) return this.report(read.problem) ?? null;
    return read.value;
  }

  integer(name: NameOf<"integer">): number {
    const { fallback, min, max } = VARIABLES[name];
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const parsed = z.coerce.number().int().min(min).max(max).safeParse(raw.trim());
    if (!parsed.success || !/^\d+$/.test(raw.trim())) {
      return this.report(`${name} must be an integer between ${min} and ${max} (got ${quoted(raw)})`) ?? fallback;
    }
    return parsed.data;
  }

  host(name: NameOf<"host">): string {
    const raw = this.raw(name);
    if (raw === undefined) return VARIABLES[name].fallback;
    if (isIP(raw) === 0 && raw !== "localhost") {
      return this.report(`${name} must be an IP address to listen on, or localhost (got ${quoted(raw)})`) ?? VARIABLES[name].fallback;
    }
    return raw;
  }

  rule(name: NameOf<"rule">): AnomalyRule {
    const raw = this.raw(name);
    if (raw === undefined) return VARIABLES[name].fallback;
    const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
    const threshold = Number(match?.[1]);
    const windowSeconds = Number(match?.[2]);
    if (!match || threshold < 1 || windowSeconds < 1 || windowSeconds > 86_400) {
      const problem = `${name} must be "<count>/<seconds>", e.g. "10/60", with a count of at least 1 and 1-86400 seconds (got ${quoted(raw)})`;
      return this.report(problem) ?? VARIABLES[name].fallback;
    }
    return { threshold, windowSeconds };
  }

  choice(name: NameOf<"choice">): string {
    const { fallback, choices } = VARIABLES[name];
    const raw = this.raw(name)?.trim();
    if (raw === undefined) return fallback;
    if (!choices.includes(raw)) return this.report(`${name} must be one of ${choices.join(", ")} (got ${quoted(raw)})`) ?? fallback;
    return raw;
  }
}

function parseOrigins(read: Reader): Set<string> {
  const origins = read.list("ALLOWED_ORIGINS");
  if (origins.length === 0) {
    read.report("ALLOWED_ORIGINS is required: a comma-separated list of exact origins such as https://app.example.com");
  }
  for (const origin of origins) {
    const problem = originProblem(origin, { loopbackHttp: true });
    if (problem) read.report(`ALLOWED_ORIGINS: ${quoted(origin)} ${problem}`);
  }
  return new Set(origins);
}

function publicKeyConfig(read: Reader, pem: string): JwtKeyConfig | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return read.report("JWT_PUBLIC_KEY is not a PEM public key: expected -----BEGIN PUBLIC KEY----- (RSA, P-256 or Ed25519)");
  }
  const type = key.asymmetricKeyType;
  if (type === "rsa") {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return read.report("JWT_PUBLIC_KEY: RSA keys must be at least 2048 bits");
    return { algorithm: "RS256", key };
  }
  if (type === "ec") {
    if (key.asymmetricKeyDetails?.namedCurve !== "prime256v1") return read.report("JWT_PUBLIC_KEY: EC keys must use P-256 (ES256)");
    return { algorithm: "ES256", key };
  }
  if (type === "ed25519") return { algorithm: "EdDSA", key };
  return read.report(`JWT_PUBLIC_KEY: unsupported key type "${type ?? "unknown"}" (use RSA, P-256 or Ed25519)`);
}

/** The token key; undefined only when a problem was reported. */
function parseJwtKey(read: Reader): JwtKeyConfig | undefined {
  const secret = read.secret("JWT_SECRET");
  const publicKey = read.secret("JWT_PUBLIC_KEY");
  if (secret === null || publicKey === null) return undefined;
  if (secret !== undefined && publicKey !== undefined) {
    return read.report("JWT_SECRET and JWT_PUBLIC_KEY are both set: choose one key type, never both (key confusion)");
  }
  if (publicKey !== undefined) return publicKeyConfig(read, publicKey);
  if (secret === undefined) {
    return read.report("JWT_SECRET is required (HS256, at least 32 bytes, e.g. openssl rand -base64 48), or JWT_PUBLIC_KEY for RS256/ES256/EdDSA");
  }
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    return read.report(`JWT_SECRET is too weak: ${bytes.length} bytes, at least ${MIN_SECRET_BYTES} required (e.g. openssl rand -base64 48)`);
  }
  return { algorithm: "HS256", key: bytes };
}

/** A CIDR list; `/0` is refused with `widest` as the reason. */
function parseCidrs(read: Reader, name: "TRUSTED_PROXIES" | "ANOMALY_ALLOWLIST", widest: string): { list: BlockList; cidrs: string[] } {
  const list = new BlockList();
  const cidrs = read.list(name);
  for (const cidr of cidrs) {
    const [address, prefixText] = cidr.split("/");
    const family = isIP(address ?? "");
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    const maxPrefix = family === 6 ? 128 : 32;
    if (family === 0 || (prefixText !== undefined && !/^\d+$/.test(prefixText)) || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
      read.report(`${name}: ${quoted(cidr)} is not an IPv4 or IPv6 CIDR (e.g. 10.0.0.5/32 or 2001:db8::/64)`);
    } else if (prefix === 0) {
      read.report(`${name}: ${quoted(cidr)} ${widest}`);
    } else {
      list.addSubnet(address!, prefix, family === 6 ? "ipv6" : "ipv4");
    }
  }
  return { list, cidrs };
}

function parseTrustedProxies(read: Reader): { list: BlockList; cidrs: string[] } {
  return parseCidrs(read, "TRUSTED_PROXIES", "would trust every address: list only your proxies' own addresses");
}

function parseLiveKit(read: Reader): LiveKitConfig | undefined {
  const url = read.raw("LIVEKIT_URL");
  const apiKey = read.raw("LIVEKIT_API_KEY");
  const apiSecret = read.secret("LIVEKIT_API_SECRET");
  if (apiSecret === null || (url === undefined && apiKey === undefined && apiSecret === undefined)) return undefined;
  if (url === undefined || apiKey === undefined || apiSecret === undefined) {
    const missing = [["LIVEKIT_URL", url], ["LIVEKIT_API_KEY", apiKey], ["LIVEKIT_API_SECRET", apiSecret]]
      .filter(([, v]) => v === undefined)
      .map(([n]) => n);
    return read.report(`LiveKit is partly configured: ${missing.join(", ")} missing (set all three LIVEKIT_* variables, or none)`);
  }
  if (!/^(wss?|https?):\/\//.test(url)) read.report("LIVEKIT_URL must be a ws://, wss://, http:// or https:// URL");
  if (apiSecret.length < MIN_SECRET_BYTES) read.report(`LIVEKIT_API_SECRET is too weak: at least ${MIN_SECRET_BYTES} characters required`);
  return { url, apiKey, apiSecret };
}

function parseTurn(read: Reader): TurnConfig | undefined {
  const secret = read.secret("TURN_SECRET");
  const uris = read.list("TURN_URIS");
  const ttlSeconds = read.integer("TURN_TTL_SECONDS");
  if (secret === null || (secret === undefined && uris.length === 0)) return undefined;
  if (secret === undefined) return read.report("TURN_URIS is set but TURN_SECRET is missing: set TURN_SECRET (or TURN_SECRET_FILE), or unset TURN_URIS");
  if (uris.length === 0) read.report("TURN_SECRET is set but TURN_URIS is empty: list the TURN server's URIs, e.g. turn:turn.example.com:3478");
  if (secret.length < MIN_SECRET_BYTES) read.report(`TURN_SECRET is too weak: at least ${MIN_SECRET_BYTES} characters required`);
  for (const uri of uris) {
    if (!/^(turns?|stun):[^\s]+$/.test(uri)) read.report(`TURN_URIS: ${quoted(uri)} is not a turn:, turns: or stun: URI (e.g. turn:turn.example.com:3478)`);
  }
  return { secret, uris, ttlSeconds };
}

/** FANOUT_KEY: required with Redis (instances accept each other's room messages only under it). */
function parseFanoutKey(read: Reader, redisUrl: string | undefined): Uint8Array | undefined {
  const key = read.secret("FANOUT_KEY");
  if (key === null) return undefined;
  if (key === undefined) {
    if (redisUrl !== undefined) read.report("FANOUT_KEY is required with REDIS_URL: the same secret of at least 32 bytes on every instance (e.g. openssl rand -base64 48), or FANOUT_KEY_FILE");
    return undefined;
  }
  const bytes = new TextEncoder().encode(key);
  if (bytes.length < MIN_SECRET_BYTES) {
    return read.report(`FANOUT_KEY is too weak: ${bytes.length} bytes, at least ${MIN_SECRET_BYTES} required (e.g. openssl rand -base64 48)`);
  }
  return bytes;
}

function parseRedisUrl(read: Reader): string | undefined {
  const url = read.secret("REDIS_URL");
  const password = read.secret("REDIS_PASSWORD");
  if (url === null || password === null) return undefined;
  if (url === undefined) {
    if (password !== undefined) read.report("REDIS_PASSWORD is set but REDIS_URL is missing: set REDIS_URL, or unset REDIS_PASSWORD");
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return read.report("REDIS_URL is not a URL (redis://user@host:port or rediss://...)");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") read.report("REDIS_URL must start with redis:// or rediss://");
  if (password !== undefined) {
    if (parsed.password) read.report("REDIS_URL already carries a password: drop it or REDIS_PASSWORD");
    parsed.password = encodeURIComponent(password);
  }
  return parsed.toString();
}

/**
 * Parse and validate the gateway configuration. Throws one ConfigError listing every problem, each
 * naming its variable.
 */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const read = new Reader(env);
  const host = read.host("GATEWAY_HOST");
  const port = read.integer("GATEWAY_PORT");
  const metricsHost = read.host("METRICS_HOST");
  const metricsPort = read.integer("METRICS_PORT");
  const allowedOrigins = parseOrigins(read);
  const jwt = parseJwtKey(read);
  const jwtIssuer = read.raw("JWT_ISSUER");
  const jwtAudience = read.raw("JWT_AUDIENCE");
  const redisUrl = parseRedisUrl(read);
  const fanoutKey = parseFanoutKey(read, redisUrl);
  const proxies = parseTrustedProxies(read);
  const config = {
    host,
    port,
    metricsHost,
    metricsPort,
    allowedOrigins,
    ...optional("jwtIssuer", jwtIssuer),
    ...optional("jwtAudience", jwtAudience),
    ...optional("redisUrl", redisUrl),
    ...optional("fanoutKey", fanoutKey),
    trustedProxies: proxies.list,
    trustedProxyCidrs: proxies.cidrs,
    ...optional("livekit", parseLiveKit(read)),
    ...optional("turn", parseTurn(read)),
    ...optional("devicesFile", read.raw("DEVICES_FILE")),
    authTimeoutMs: read.integer("AUTH_TIMEOUT_MS"),
    maxMessageBytes: read.integer("MAX_MESSAGE_BYTES"),
    msgPerMinute: read.integer("MSG_PER_MINUTE"),
    maxConnPerIp: read.integer("MAX_CONN_PER_IP"),
    maxConnPerUser: read.integer("MAX_CONN_PER_USER"),
    heartbeatMs: read.integer("HEARTBEAT_MS"),
    pingsPerMinute: read.integer("PINGS_PER_MINUTE"),
    maxBufferedBytes: read.integer("MAX_BUFFERED_BYTES"),
    slowConsumerMs: read.integer("SLOW_CONSUMER_MS"),
    maxRoomsPerConnection: read.integer("MAX_ROOMS_PER_CONNECTION"),
    deviceLimits: {
      perMinute: read.integer("DEVICE_PER_MINUTE"),
      perHour: read.integer("DEVICE_PER_HOUR"),
      perDay: read.integer("DEVICE_PER_DAY"),
    },
    anomaly: {
      rapidReconnect: read.rule("ANOMALY_RAPID_RECONNECT"),
      rapidReconnectUser: read.rule("ANOMALY_USER_RECONNECT"),
      failedAuth: read.rule("ANOMALY_FAILED_AUTH"),
      failedAuthUser: read.rule("ANOMALY_USER_FAILED_AUTH"),
      roomHopping: read.rule("ANOMALY_ROOM_HOPPING"),
      bulkMessages: read.rule("ANOMALY_BULK_MESSAGES"),
      blockSeconds: read.integer("ANOMALY_BLOCK_SECONDS"),
      ...allowlistOf(parseCidrs(read, "ANOMALY_ALLOWLIST", "would exempt every address from blocks: list only the shared egress addresses you vouch for")),
    },
    drainMs: read.integer("DRAIN_MS"),
    logLevel: read.choice("LOG_LEVEL"),
  };
  if (jwt === undefined || read.problems.length > 0) throw new ConfigError(read.problems);
  return { ...config, jwt };
}

function allowlistOf(parsed: { list: BlockList; cidrs: string[] }): { allowlist: BlockList; allowlistCidrs: string[] } {
  return { allowlist: parsed.list, allowlistCidrs: parsed.cidrs };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
