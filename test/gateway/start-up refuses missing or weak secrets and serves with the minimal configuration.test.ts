import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { port } from "@rampart/catalogue";
import { loadConfig } from "../../gateway/src/config.js";
import { TestClient } from "./support/client.js";
import { REPO_ROOT, waitForStatus } from "./support/gateway.js";
import { freePort } from "./support/ports.js";
import { ALLOWED_ORIGIN, JWT_SECRET, token } from "./support/tokens.js";

function startupFailure(env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(REPO_ROOT, "gateway"),
    env: { PATH: process.env.PATH ?? "", GATEWAY_PORT: "0", METRICS_PORT: "0", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: r.status, stderr: r.stderr };
}

describe("start-up configuration (real processes)", () => {
  it("stops with a message naming JWT_SECRET when it is missing", () => {
    const r = startupFailure({ ALLOWED_ORIGINS: ALLOWED_ORIGIN });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/JWT_SECRET is required/);
  });

  it("stops with a message naming JWT_SECRET when it is shorter than 32 bytes, without echoing it", () => {
    const r = startupFailure({ ALLOWED_ORIGINS: ALLOWED_ORIGIN, JWT_SECRET: "hunter2-is-not-a-secret" });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/JWT_SECRET is too weak: 23 bytes/);
    expect(r.stderr).not.toContain("hunter2");
  });

  it("stops when ALLOWED_ORIGINS is missing or holds a wildcard", () => {
    expect(startupFailure({ JWT_SECRET }).stderr).toMatch(/ALLOWED_ORIGINS is required/);
    expect(startupFailure({ JWT_SECRET, ALLOWED_ORIGINS: "*" }).stderr).toMatch(/ALLOWED_ORIGINS: "\*" is not an origin/);
    expect(startupFailure({ JWT_SECRET, ALLOWED_ORIGINS: "https://app.example.com/" }).stderr).toMatch(/ALLOWED_ORIGINS: "https:\/\/app.example.com\/" is not an exact origin/);
    expect(startupFailure({ JWT_SECRET, ALLOWED_ORIGINS: "http://app.example.com" }).stderr).toMatch(/ALLOWED_ORIGINS: "http:\/\/app.example.com" must use https \(http only for localhost\)/);
  });

  it("serves a working single instance from `npm start -w gateway` with only ALLOWED_ORIGINS and JWT_SECRET", async () => {
    const [gatewayPort, metricsPort] = [await freePort(), await freePort()];
    // The two ports are only overridden because the defaults (8080/9464) may be taken on a test machine.
    const child = spawn("npm", ["start", "-w", "gateway"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ALLOWED_ORIGINS: ALLOWED_ORIGIN, JWT_SECRET, GATEWAY_PORT: String(gatewayPort), METRICS_PORT: String(metricsPort) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    try {
      await waitForStatus(`http://127.0.0.1:${gatewayPort}/readyz`, 200, 20_000);
      const alice = await TestClient.authed(`ws://127.0.0.1:${gatewayPort}/ws`, await token({ sub: "alice" }));
      const bob = await TestClient.authed(`ws://127.0.0.1:${gatewayPort}/ws`, await token({ sub: "bob" }));
      await alice.join("demo");
      expect(await bob.join("demo")).toMatchObject({ type: "joined", livekit: null, iceServers: [] });
      alice.send({ type: "message", room: "demo", text: "hi bob" });
      expect(await bob.next("message")).toMatchObject({ from: "alice", text: "hi bob" });
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
      alice.close();
      bob.close();
    } finally {
      // npm runs node in a child: signal the whole process group we created.
      process.kill(-child.pid!, "SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});

describe("configuration", () => {
  const base = { ALLOWED_ORIGINS: ALLOWED_ORIGIN, JWT_SECRET };

  it("defaults to the port catalogue's gateway ports and loopback metrics", () => {
    const config = loadConfig(base);
    expect(config.port).toBe(port("gateway-http").from);
    expect(config.metricsPort).toBe(port("gateway-metrics").from);
    expect(config.metricsHost).toBe("127.0.0.1");
    expect([config.authTimeoutMs, config.maxMessageBytes, config.msgPerMinute, config.maxConnPerIp, config.maxConnPerUser, config.heartbeatMs]).toEqual([5000, 16384, 60, 10, 5, 25000]);
  });

  it("reads secrets from *_FILE variables and refuses both forms at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-secrets-"));
    writeFileSync(join(dir, "jwt"), `${JWT_SECRET}\n`, { mode: 0o400 });
    writeFileSync(join(dir, "turn"), "turn-secret-from-file-0123456789-abcdef", { mode: 0o400 });
    writeFileSync(join(dir, "redis"), "s3cret/pass", { mode: 0o400 });
    const config = loadConfig({
      ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      JWT_SECRET_FILE: join(dir, "jwt"),
      TURN_SECRET_FILE: join(dir, "turn"),
      TURN_URIS: "turn:turn.example.com:3478",
      REDIS_URL: "redis://gateway@redis:6379",
      REDIS_PASSWORD_FILE: join(dir, "redis"),
    });
    expect(Buffer.from(config.jwt.key as Uint8Array).toString()).toBe(JWT_SECRET);
    expect(config.turn?.secret).toBe("turn-secret-from-file-0123456789-abcdef");
    expect(new URL(config.redisUrl!).password).toBe(encodeURIComponent("s3cret/pass"));
    expect(() => loadConfig({ ...base, JWT_SECRET_FILE: join(dir, "jwt") })).toThrow(/JWT_SECRET and JWT_SECRET_FILE are both set/);
    expect(() => loadConfig({ ALLOWED_ORIGINS: ALLOWED_ORIGIN, JWT_SECRET_FILE: join(dir, "missing") })).toThrow(/JWT_SECRET_FILE: cannot read/);
  });

  it.each([
    [{ MSG_PER_MINUTE: "lots" }, /MSG_PER_MINUTE must be an integer/],
    [{ TRUSTED_PROXIES: "0.0.0.0/0" }, /TRUSTED_PROXIES: "0.0.0.0\/0" would trust every address/],
    [{ TRUSTED_PROXIES: "not-a-cidr" }, /TRUSTED_PROXIES/],
    [{ LIVEKIT_URL: "wss://lk.example.com" }, /LIVEKIT_API_KEY, LIVEKIT_API_SECRET missing/],
    [{ TURN_SECRET: "short", TURN_URIS: "turn:x:3478" }, /TURN_SECRET is too weak/],
    [{ TURN_SECRET: "turn-secret-0123456789-0123456789-abcdef", TURN_URIS: "http://x" }, /TURN_URIS/],
    [{ TURN_TTL_SECONDS: "999999" }, /TURN_TTL_SECONDS/],
    [{ ALLOWED_ORIGINS: "https://app.example.com/" }, /ALLOWED_ORIGINS/],
    [{ JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----" }, /JWT_SECRET and JWT_PUBLIC_KEY are both set/],
    [{ ANOMALY_FAILED_AUTH: "5 per 300" }, /ANOMALY_FAILED_AUTH must be "<count>\/<seconds>"/],
    [{ REDIS_URL: "http://redis:6379" }, /REDIS_URL must start with redis:\/\//],
  ])("refuses %o with a message naming the variable", (extra, message) => {
    expect(() => loadConfig({ ...base, ...extra })).toThrow(message);
  });
});
