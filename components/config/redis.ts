import { createHash } from "node:crypto";
import { z } from "zod";
import { port } from "@rampart/catalogue";
import { absolutePath, ipAddress, parseInput, positiveInt } from "./validate";

/**
 * Redis (docs/services.md#redis): ACL file with `user default off` and one least-privilege user per client,
 * `protected-mode yes`, bound to internal addresses only, persistence (an append-only file) when a data
 * directory is given, as the stack does (docs/data-protection.md#redis).
 *
 * The ACL file holds SHA-256 password hashes (`#<hex>`), never a plaintext password, so it can be
 * rendered and stored like any other config; the plaintext goes only to the client that needs it.
 */

export interface RedisConfInput {
  /** Internal addresses to bind (container address / private IP). Never 0.0.0.0 or ::. */
  bindAddresses: readonly string[];
  /** Path of the ACL file (rendered by renderRedisAcl) inside the container. */
  aclFilePath: string;
  /** Writable tmpfs directory for the working dir and pid file. */
  scratchDir?: string;
  /** Append-only persistence on a writable volume: off unless a data directory is configured. */
  persistence?: { dataDir: string };
  /** Memory cap; beyond it writes fail rather than Redis growing into the container's limit. */
  maxMemoryMiB?: number;
  /** Cap on client connections: all clients are ours, a few hundred is plenty. */
  maxClients?: number;
}

export const REDIS_DEFAULTS = { scratchDir: "/tmp", maxMemoryMiB: 256, maxClients: 1000 } as const;

const confSchema = z
  .object({
    bindAddresses: z
      .array(ipAddress.refine((a) => a !== "0.0.0.0" && a !== "::", "must not be a wildcard address (Redis is VPC-only)"))
      .min(1, "must name at least one internal address"),
    aclFilePath: absolutePath,
    scratchDir: absolutePath.default(REDIS_DEFAULTS.scratchDir),
    persistence: z.object({ dataDir: absolutePath }).strict().optional(),
    maxMemoryMiB: positiveInt.default(REDIS_DEFAULTS.maxMemoryMiB),
    maxClients: positiveInt.default(REDIS_DEFAULTS.maxClients),
  })
  .strict();

/**
 * Commands no client of ours needs and that an attacker with a client credential would love: server
 * reconfiguration, replication hijack, module loading, debugging, whole-keyspace scans and wipes.
 * `rename-command` is deprecated for ACL-era Redis; these are instead absent from every ACL user, and
 * this list is what the tests try against each user.
 */
export const DANGEROUS_COMMANDS = [
  "FLUSHALL",
  "FLUSHDB",
  "CONFIG",
  "KEYS",
  "DEBUG",
  "MODULE",
  "SHUTDOWN",
  "REPLICAOF",
  "SLAVEOF",
  "MIGRATE",
  "ACL",
  "SAVE",
  "BGSAVE",
  "BGREWRITEAOF",
  "MONITOR",
  "CLIENT",
  "SCRIPT",
  "FUNCTION",
] as const;

export function renderRedisConf(input: RedisConfInput): string {
  const i = parseInput("renderRedisConf", confSchema, input);
  const lines = [
    "# Rendered by components/config/redis.ts.",
    `bind ${i.bindAddresses.join(" ")}`,
    "protected-mode yes",
    `port ${port("redis").from}`,
    "tcp-backlog 511",
    "timeout 300",
    "tcp-keepalive 60",
    "daemonize no",
    'logfile ""',
    "loglevel notice",
    `pidfile ${i.scratchDir}/redis.pid`,
    `aclfile ${i.aclFilePath}`,
    `maxclients ${i.maxClients}`,
    `maxmemory ${i.maxMemoryMiB}mb`,
    // Rate-limit counters and nonces must not be evicted early (a replayed nonce would be accepted):
    // refuse writes at the cap instead.
    "maxmemory-policy noeviction",
    // Lua scripts and MULTI run as the calling ACL user, but nothing may enable debug or module commands
    // at runtime.
    "enable-debug-command no",
    "enable-module-command no",
    "enable-protected-configs no",
    "",
  ];
  if (i.persistence) {
    lines.push(
      // Every key (device nonces above all: a forgotten nonce could be replayed) survives a restart; at
      // most the last second of writes is lost on a crash. Pub/sub messages are never stored by Redis.
      "# Persistence: every key in an append-only file on the data volume, fsynced every second; no RDB.",
      `dir ${i.persistence.dataDir}`,
      "appendonly yes",
      "appendfsync everysec",
      'save ""',
    );
  } else {
    lines.push("# No persistence: state is ephemeral (rate limits, nonces, pub/sub).", `dir ${i.scratchDir}`, 'save ""', "appendonly no");
  }
  return lines.join("\n") + "\n";
}

export interface RedisAclUser {
  /** ACL user name (letters, digits, '-', '_'). */
  name: string;
  /** SHA-256 hex of the password (see redisPasswordHash); the plaintext never enters the ACL file. */
  passwordSha256: string;
  /** Allowed commands: `+cmd`, `+cmd|sub`, `+@category`, `-cmd` rules, in order. */
  commands: readonly string[];
  /** Key patterns the user may touch (`~pattern`, `%R~pattern`, `%W~pattern`); empty = no keys. */
  keys: readonly string[];
  /** Pub/sub channel patterns (without the `&`); empty = none. */
  channels: readonly string[];
}

const aclRule = z.string().regex(/^[+-](@?[a-z_]+(\|[a-z_-]+)?)$/, "must be +command, +command|sub, +@category or -...");
const keyPattern = z.string().regex(/^(%(R|W|RW))?~[^\s]+$/, "must be ~pattern, %R~pattern, %W~pattern or %RW~pattern without spaces");
const channelPattern = z.string().regex(/^[^\s]+$/, "must be a channel pattern without spaces");

const aclSchema = z
  .array(
    z
      .object({
        name: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "must start with a letter; letters, digits, '_' and '-' only")
          .refine((n) => n !== "default", "must not be 'default' (the default user is always rendered off)"),
        passwordSha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (SHA-256 of the password)"),
        commands: z.array(aclRule).min(1, "must allow at least one command"),
        keys: z.array(keyPattern),
        channels: z.array(channelPattern),
      })
      .strict(),
  )
  .min(1, "must define at least one user")
  .refine((users) => new Set(users.map((u) => u.name)).size === users.length, "user names must be unique");

/** `user default off` first, then one line per user; every user starts from `reset` (nothing allowed). */
export function renderRedisAcl(users: readonly RedisAclUser[]): string {
  const parsed = parseInput("renderRedisAcl", aclSchema, users);
  const lines = ["user default off resetkeys resetchannels -@all"];
  for (const u of parsed) {
    const parts = ["user", u.name, "reset", "on", `#${u.passwordSha256}`, ...u.keys, ...u.channels.map((c) => `&${c}`), ...u.commands];
    lines.push(parts.join(" "));
  }
  return lines.join("\n") + "\n";
}

/**
 * Key and channel prefix the gateway must use for everything it stores or publishes (its contract with
 * this ACL): e.g. `gateway:rl:<ip>` (rate-limiter-flexible `keyPrefix: "gateway:rl"`),
 * `gateway:nonce:<device>:<nonce>`, `gateway:conn:<ip>`, channel `gateway:room:<room>`.
 */
export const GATEWAY_KEY_PREFIX = "gateway:";

// Everyone needs to log in, identify and check the connection. Not CLIENT SETINFO: it only exists from
// Redis 7.2 (an ACL file naming it does not load on 7.0), and node-redis and go-redis ignore its refusal.
const CONNECTION_COMMANDS = ["+auth", "+hello", "+ping", "+select", "+client|setname", "+client|id", "+quit", "+reset"];

/**
 * Commands that reveal what other clients store or say without naming a key or channel the ACL could
 * check: no user of ours may run them (the tests try each against every user). Key ids, device ids,
 * client addresses and room names live in key and channel names.
 */
export const ENUMERATION_COMMANDS = [
  ["KEYS", "*"],
  ["SCAN", "0"],
  ["RANDOMKEY"],
  ["DBSIZE"],
  ["INFO", "keyspace"],
  ["PUBSUB", "CHANNELS"],
  ["PUBSUB", "NUMSUB", "gateway:room:lobby"],
  ["PUBSUB", "NUMPAT"],
  ["PUBSUB", "SHARDCHANNELS"],
  ["MEMORY", "USAGE", "rooms"],
  ["OBJECT", "ENCODING", "rooms"],
  ["CLIENT", "LIST"],
  ["MONITOR"],
  ["SLOWLOG", "GET"],
  ["LATENCY", "LATEST"],
] as const;

/**
 * Script and function management: loading, flushing, killing. No user may run it: a client able to
 * `FUNCTION LOAD` or `SCRIPT FLUSH` changes what runs for everyone, and `SCRIPT KILL` would let one
 * client abort another's script.
 */
export const SCRIPT_ADMIN_COMMANDS = [
  ["SCRIPT", "LOAD", "return 1"],
  ["SCRIPT", "FLUSH"],
  ["SCRIPT", "KILL"],
  ["SCRIPT", "EXISTS", "0000000000000000000000000000000000000000"],
  ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('x', function() return 1 end)"],
  ["FUNCTION", "FLUSH"],
  ["FUNCTION", "LIST"],
  ["FCALL", "x", "0"],
  ["FCALL_RO", "x", "0"],
] as const;

/**
 * The gateway: exactly the commands it sends (each test on the real Redis checks the ACL log stays
 * empty), every key and channel under `gateway:`.
 * - rate-limiter-flexible: EVAL of its consume script (SET NX EX, INCRBY, PTTL, EXPIRE), MULTI with
 *   GET/SET/PTTL/DEL for reads, blocks and deletes;
 * - connection caps: EVAL of the acquire script (ZREMRANGEBYSCORE, ZCARD, ZADD, PEXPIRE), ZADD XX to
 *   renew, ZREM to release;
 * - device nonces: SET NX PX; fan-out: PUBLISH, SUBSCRIBE, UNSUBSCRIBE (no patterns).
 * EVAL/EVALSHA stay because both libraries' counters must be atomic across instances (check and
 * increment in one step). A script runs with the caller's key and channel permissions, so the gateway's
 * scripts are confined to `gateway:` like its plain commands. What an ACL cannot confine is a script's
 * running time (a looping script makes Redis answer BUSY to everyone): only the gateway's own fixed
 * scripts run as this user, so that takes the gateway's credential (docs/threat-model.md).
 */
export function gatewayAclUser(passwordSha256: string): RedisAclUser {
  return {
    name: "gateway",
    passwordSha256,
    keys: [`~${GATEWAY_KEY_PREFIX}*`],
    channels: [`${GATEWAY_KEY_PREFIX}*`],
    commands: [
      ...CONNECTION_COMMANDS,
      "+get", "+set", "+del", "+incrby", "+expire", "+pexpire", "+pttl",
      "+zadd", "+zrem", "+zremrangebyscore", "+zcard",
      "+eval", "+evalsha",
      "+multi", "+exec", "+discard",
      "+publish", "+subscribe", "+unsubscribe",
    ],
  };
}

/**
 * LiveKit's keys (LiveKit 1.x `pkg/service/redisstore.go`, `redisstore_sip.go`, `pkg/routing`): rooms,
 * participants, locks, egress/ingress, agent dispatch, SIP, node registry. psrpc (LiveKit's RPC over
 * Redis pub/sub) takes a queue lock with SET NX on `base64(sha256(payload))`: a 44-character key ending
 * in '=' — matched by a pattern of that exact shape so LiveKit does not need `~*`. Gateway keys never
 * have that shape (they start with `gateway:`, which has ':' and base64 has none).
 */
export const LIVEKIT_KEY_PATTERNS = [
  "livekit_version",
  "rooms",
  "room_internal",
  "room_participants:*",
  "room_lock:*",
  "agent_dispatch:*",
  "agent_job:*",
  "egress",
  "ended_egress",
  "egress:room:*",
  "ingress",
  "{ingress}_*",
  "room_{ingress}:*",
  "sip_*",
  "nodes",
  "room_node_map",
  `${"?".repeat(43)}=`,
] as const;

/**
 * LiveKit's pub/sub channels. psrpc's Redis bus uses the "legacy" channel names of `internal/bus`
 * (`info.GetRPCChannel`, `GetResponseChannel`, `GetClaimRequestChannel`, `GetStreamChannel`,
 * claim responses): `<Service>|<parts…>|<KIND>` with KIND one of REQ, RES, CLAIM, RCLAIM, STR, every
 * part sanitised to `[A-Za-z0-9_]` (anything else becomes `u+XXXX`). A gateway channel is
 * `gateway:room:<room>` with room names of `[A-Za-z0-9_.:-]`: it never contains `|`, so none of these
 * patterns matches it. psrpc only SUBSCRIBEs (no patterns), so LiveKit needs no PSUBSCRIBE.
 */
export const LIVEKIT_CHANNEL_PATTERNS = ["*|REQ", "*|RES", "*|CLAIM", "*|RCLAIM", "*|STR"] as const;

/**
 * LiveKit's Redis user: the data-structure commands its store, router and psrpc send, by name (no
 * command categories, which differ between Redis majors and would grant whatever a new major adds),
 * EVAL/EVALSHA for the room-unlock script (go-redis `Script.Run`: EVALSHA, then EVAL on NOSCRIPT),
 * WATCH/MULTI for its ingress transactions, PUBLISH/SUBSCRIBE on psrpc's channels. No enumeration,
 * no script or function management, no pattern subscriptions, no admin commands.
 */
export function livekitAclUser(passwordSha256: string): RedisAclUser {
  return {
    name: "livekit",
    passwordSha256,
    keys: LIVEKIT_KEY_PATTERNS.map((p) => `~${p}`),
    channels: [...LIVEKIT_CHANNEL_PATTERNS],
    commands: [
      ...CONNECTION_COMMANDS,
      "+get", "+set", "+setnx", "+getdel", "+del", "+unlink", "+exists", "+expire", "+pexpire", "+ttl", "+pttl", "+incr", "+incrby",
      "+hget", "+hset", "+hsetnx", "+hdel", "+hmget", "+hmset", "+hgetall", "+hvals", "+hkeys", "+hlen", "+hexists", "+hincrby", "+hscan",
      "+sadd", "+srem", "+smembers", "+sismember", "+scard",
      "+zadd", "+zrem", "+zrange", "+zrangebyscore", "+zscore", "+zcard",
      "+lpush", "+rpush", "+lrange", "+lrem", "+llen",
      "+eval", "+evalsha",
      "+watch", "+unwatch", "+multi", "+exec", "+discard",
      "+publish", "+subscribe", "+unsubscribe",
    ],
  };
}

/** Container healthcheck: PING and nothing else. */
export function healthcheckAclUser(passwordSha256: string): RedisAclUser {
  return { name: "healthcheck", passwordSha256, keys: [], channels: [], commands: ["+auth", "+hello", "+ping"] };
}

/** Hex SHA-256 of a password, for `RedisAclUser.passwordSha256` (Redis compares the hash of what a client presents). */
export function redisPasswordSha256(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}
