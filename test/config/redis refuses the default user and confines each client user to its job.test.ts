import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe as describeBare, expect, it } from "vitest";
import { createClient } from "redis";
import { port } from "@rampart/catalogue";
import {
  DANGEROUS_COMMANDS,
  ENUMERATION_COMMANDS,
  gatewayAclUser,
  healthcheckAclUser,
  livekitAclUser,
  redisPasswordSha256,
  renderRedisAcl,
  renderRedisConf,
  SCRIPT_ADMIN_COMMANDS,
} from "../../components/config/redis";
import { DEFAULT_IMAGES } from "../../components/containers/images";
import { describeWithBinaries } from "../support/testbed";
import { makeTempDir, randomLoopbackAddress, type RunningServer, startServer, waitForTcp } from "./servers";

/**
 * Real redis-server on the rendered redis.conf and ACL file, bound to a random loopback address on the
 * catalogue's port. Clients use the `redis` npm client (what the gateway uses). The server here is
 * Debian's redis-server (7.0); production pins the image below (8.x). The ACL grants commands by name
 * only, never by category, so what each user may run is the same list on both majors (checked below);
 * the version that ran is printed.
 */
const describe = describeWithBinaries(["redis-server"]);

const PASSWORDS = {
  gateway: "test-only-gateway-password-0123456789",
  livekit: "test-only-livekit-password-0123456789",
  healthcheck: "test-only-healthcheck-password-012345",
};

/** Valid arguments, so that a refusal comes from the ACL and not from Redis' arity check. */
const ARGS: Record<string, string[]> = {
  CONFIG: ["GET", "*"],
  KEYS: ["*"],
  DEBUG: ["SLEEP", "0"],
  MODULE: ["LIST"],
  SHUTDOWN: ["NOSAVE"],
  REPLICAOF: ["NO", "ONE"],
  SLAVEOF: ["NO", "ONE"],
  MIGRATE: ["127.0.0.1", "1", "k", "0", "100"],
  ACL: ["LIST"],
  CLIENT: ["LIST"],
  SCRIPT: ["FLUSH"],
  FUNCTION: ["LIST"],
};

describe("real redis-server on the rendered config and ACL", () => {
  const tmp = makeTempDir("redis");
  const address = randomLoopbackAddress();
  let server: RunningServer;
  const clients: { close(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    writeFileSync(
      join(tmp.path, "users.acl"),
      renderRedisAcl([
        gatewayAclUser(redisPasswordSha256(PASSWORDS.gateway)),
        livekitAclUser(redisPasswordSha256(PASSWORDS.livekit)),
        healthcheckAclUser(redisPasswordSha256(PASSWORDS.healthcheck)),
      ]),
    );
    writeFileSync(
      join(tmp.path, "redis.conf"),
      // Persistent, as the stack runs it: the append-only file in the test's own directory.
      renderRedisConf({ bindAddresses: [address], aclFilePath: join(tmp.path, "users.acl"), scratchDir: tmp.path, persistence: { dataDir: tmp.path } }),
    );
    server = startServer("redis-server", [join(tmp.path, "redis.conf")]);
    await waitForTcp(address, port("redis").from, server);
    const version = /v=(\S+)/.exec(execFileSync("redis-server", ["--version"], { encoding: "utf8" }))?.[1];
    console.info(`ACL tests on redis-server ${version}; production image ${DEFAULT_IMAGES.redis}`);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await server?.stop();
    tmp.remove();
  });

  async function connect(username?: string, password?: string) {
    const client = createClient({
      socket: { host: address, port: port("redis").from, reconnectStrategy: false },
      ...(username ? { username, password } : {}),
    });
    client.on("error", () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  async function refusal(run: () => Promise<unknown>): Promise<string> {
    try {
      await run();
      return "allowed";
    } catch (e) {
      return (e as Error).message;
    }
  }

  it("refuses the default user and wrong passwords", async () => {
    expect(await refusal(async () => (await connect()).get("gateway:x"))).toMatch(/NOAUTH/);
    expect(await refusal(() => connect("default", "anything"))).toMatch(/WRONGPASS/);
    expect(await refusal(() => connect("gateway", "wrong-password"))).toMatch(/WRONGPASS/);
  });

  it("lets the gateway do its job: pub/sub, SET NX EX, INCRBY, EXPIRE, Lua rate limiting, all under gateway:", async () => {
    const gw = await connect("gateway", PASSWORDS.gateway);
    const sub = await connect("gateway", PASSWORDS.gateway);
    const received = new Promise<string>((resolve) => void sub.subscribe("gateway:room:lobby", (m) => resolve(m)));
    await new Promise((r) => setTimeout(r, 50));
    expect(await gw.publish("gateway:room:lobby", "hello")).toBe(1);
    expect(await received).toBe("hello");
    expect(await gw.set("gateway:nonce:dev1:abc", "1", { condition: "NX", expiration: { type: "EX", value: 300 } })).toBe("OK");
    expect(await gw.set("gateway:nonce:dev1:abc", "1", { condition: "NX", expiration: { type: "EX", value: 300 } })).toBeNull();
    expect(await gw.incrBy("gateway:conn:203.0.113.5", 1)).toBe(1);
    expect(await gw.expire("gateway:conn:203.0.113.5", 60)).toBe(1);
    // The shape rate-limiter-flexible's Lua script takes: SET NX EX, INCRBY, PTTL inside EVAL.
    const script = "redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX') local c = redis.call('incrby', KEYS[1], ARGV[1]) return {c, redis.call('pttl', KEYS[1])}";
    const [consumed] = (await gw.eval(script, { keys: ["gateway:rl:203.0.113.5"], arguments: ["1", "60"] })) as [number, number];
    expect(consumed).toBe(1);
  });

  it("keeps the gateway away from other keys, channels and every dangerous command", async () => {
    const gw = await connect("gateway", PASSWORDS.gateway);
    expect(await refusal(() => gw.set("rooms", "x"))).toMatch(/NOPERM/);
    expect(await refusal(() => gw.get("room_lock:r1"))).toMatch(/NOPERM/);
    expect(await refusal(() => gw.publish("RoomManager|x|REQ", "x"))).toMatch(/NOPERM/);
    // Scripts run with the caller's permissions: no way around the key patterns through EVAL.
    expect(await refusal(() => gw.eval("return redis.call('get', KEYS[1])", { keys: ["rooms"] }))).toMatch(/NOPERM/);
    expect(await refusal(() => gw.eval("return redis.call('flushall')", { keys: [] }))).toMatch(/NOPERM|can't run this command/);
    for (const cmd of DANGEROUS_COMMANDS) {
      // DEBUG and MODULE are refused even before the ACL (enable-debug-command / enable-module-command no).
      expect(await refusal(() => gw.sendCommand([cmd, ...(ARGS[cmd] ?? [])])), cmd).toMatch(/NOPERM|command not allowed/);
    }
    expect(await refusal(() => gw.sendCommand(["SCRIPT", "FLUSH"]))).toMatch(/NOPERM/);
  });

  it("lets LiveKit use its own keys, psrpc locks and channels, but not gateway keys or admin commands", async () => {
    const lk = await connect("livekit", PASSWORDS.livekit);
    expect(await lk.hSet("rooms", "r1", "proto")).toBe(1);
    expect(await lk.hSet("room_participants:r1", "alice", "proto")).toBe(1);
    expect(await lk.set("room_lock:r1", "LOCK_1", { condition: "NX", expiration: { type: "PX", value: 5000 } })).toBe("OK");
    // psrpc queue lock: SET NX on base64(sha256(payload)).
    const lockKey = Buffer.alloc(32, 7).toString("base64");
    expect(lockKey).toHaveLength(44);
    expect(await lk.set(lockKey, "1", { condition: "NX", expiration: { type: "EX", value: 5 } })).toBe("OK");
    expect(await lk.publish("RoomManager|CreateRoom|node1|REQ", "x")).toBe(0);
    // LiveKit's unlock script (compare-and-delete) runs under its permissions.
    expect(await lk.eval('if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end', { keys: ["room_lock:r1"], arguments: ["LOCK_1"] })).toBe(1);

    expect(await refusal(() => lk.get("gateway:nonce:dev1:abc"))).toMatch(/NOPERM/);
    expect(await refusal(() => lk.set("gateway:rl:203.0.113.5", "0"))).toMatch(/NOPERM/);
    for (const cmd of ["FLUSHALL", "FLUSHDB", "KEYS", "CONFIG", "SHUTDOWN", "DEBUG", "MODULE", "ACL", "MONITOR", "REPLICAOF"]) {
      expect(await refusal(() => lk.sendCommand([cmd, ...(ARGS[cmd] ?? [])])), cmd).toMatch(/NOPERM|command not allowed/);
    }
  });

  it("keeps LiveKit off the gateway's channels: no publish, subscribe or pattern subscribe; psrpc channels work", async () => {
    const lk = await connect("livekit", PASSWORDS.livekit);
    expect(await refusal(() => lk.publish("gateway:room:lobby", "forged"))).toMatch(/NOPERM/);
    expect(await refusal(() => lk.sendCommand(["SUBSCRIBE", "gateway:room:lobby"]))).toMatch(/NOPERM/);
    expect(await refusal(() => lk.sendCommand(["PSUBSCRIBE", "*"]))).toMatch(/NOPERM/);
    expect(await refusal(() => lk.sendCommand(["PSUBSCRIBE", "gateway:*"]))).toMatch(/NOPERM/);
    // A channel that merely starts like a gateway one but ends like psrpc's is not a gateway channel:
    // room names have no '|', so the gateway never subscribes to it.
    expect(await lk.publish("RoomManager|CreateRoom|node1|REQ", "x")).toBe(0);
    expect(await lk.publish("Signal|ND_abc|RES", "x")).toBe(0);
    expect(await lk.publish("EgressInternal|StartEgress|CLAIM", "x")).toBe(0);
    const sub = await connect("livekit", PASSWORDS.livekit);
    const got = new Promise<string>((resolve) => void sub.subscribe("RTCRoom|ND_node1|STR", (m) => resolve(m)));
    await new Promise((r) => setTimeout(r, 50));
    expect(await lk.publish("RTCRoom|ND_node1|STR", "stream")).toBe(1);
    expect(await got).toBe("stream");
    // The gateway cannot publish into LiveKit's RPC either.
    const gw = await connect("gateway", PASSWORDS.gateway);
    expect(await refusal(() => gw.publish("RoomManager|CreateRoom|node1|REQ", "x"))).toMatch(/NOPERM/);
    expect(await refusal(() => gw.sendCommand(["PSUBSCRIBE", "gateway:*"]))).toMatch(/NOPERM/);
  });

  it.each(["gateway", "livekit", "healthcheck"] as const)("%s cannot enumerate the keyspace, channels or clients", async (user) => {
    const client = await connect(user, PASSWORDS[user]);
    for (const command of ENUMERATION_COMMANDS) {
      expect(await refusal(() => client.sendCommand([...command])), command.join(" ")).toMatch(/NOPERM/);
    }
  });

  it.each(["gateway", "livekit", "healthcheck"] as const)("%s cannot load, flush, kill or call scripts and functions", async (user) => {
    const client = await connect(user, PASSWORDS[user]);
    for (const command of SCRIPT_ADMIN_COMMANDS) {
      expect(await refusal(() => client.sendCommand([...command])), command.join(" ")).toMatch(/NOPERM/);
    }
  });

  it("lets the healthcheck user PING and nothing else", async () => {
    const hc = await connect("healthcheck", PASSWORDS.healthcheck);
    expect(await hc.ping()).toBe("PONG");
    expect(await refusal(() => hc.get("gateway:x"))).toMatch(/NOPERM/);
    expect(await refusal(() => hc.publish("gateway:room:lobby", "x"))).toMatch(/NOPERM/);
    expect(await refusal(() => hc.eval("return 1", { keys: [] }))).toMatch(/NOPERM/);
  });
});

/**
 * Command categories (`+@read`, `-@dangerous`, …) are not stable across Redis majors: 7.4 and 8.0 added
 * hash-field-expiry commands and new categories, and moved commands between them, so a category grant
 * tested on Debian's 7.0 would grant something else on the production 8.x image. The ACL names commands
 * only, which both majors read the same way.
 */
describeBare("Redis ACL users are defined by command names alone", () => {
  const users = [gatewayAclUser("0".repeat(64)), livekitAclUser("0".repeat(64)), healthcheckAclUser("0".repeat(64))];
  it.each(users.map((u) => [u.name, u] as const))("%s grants no command category and grants no enumeration or script management", (_name, user) => {
    expect(user.commands.filter((c) => c.includes("@"))).toEqual([]);
    const granted = new Set(user.commands.map((c) => c.slice(1).toUpperCase()));
    for (const [cmd, sub] of [...ENUMERATION_COMMANDS, ...SCRIPT_ADMIN_COMMANDS]) {
      expect(granted.has(cmd), cmd).toBe(false);
      if (sub) expect(granted.has(`${cmd}|${sub}`), `${cmd}|${sub}`).toBe(false);
    }
  });
  it("the production Redis image is major version 8, which this reasoning is about", () => {
    expect(DEFAULT_IMAGES.redis).toMatch(/^redis:8\./);
  });
});
