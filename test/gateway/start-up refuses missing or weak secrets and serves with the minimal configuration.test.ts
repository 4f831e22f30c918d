import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { port, SECRET_MASK } from "@rampart/catalogue";
import { ConfigError, loadConfig, VARIABLES } from "../../gateway/src/config.js";
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

  it("reports every wrong variable of one run, one named line each, without echoing the secret", () => {
    const r = startupFailure({ ALLOWED_ORIGINS: "https://app.example.com/", JWT_SECRET: "hunter2-is-not-a-secret", MSG_PER_MINUTE: "lots" });
    expect(r.status).toBe(78);
    const problems = r.stderr.split("\n").filter((line) => line.startsWith("rampart-gateway: configuration error: "));
    expect(problems).toEqual([
      'rampart-gateway: configuration error: ALLOWED_ORIGINS: "https://app.example.com/" is not an exact origin (expected https://app.example.com: no path, no trailing slash, lower case)',
      "rampart-gateway: configuration error: JWT_SECRET is too weak: 23 bytes, at least 32 required (e.g. openssl rand -base64 48)",
      'rampart-gateway: configuration error: MSG_PER_MINUTE must be an integer between 1 and 1000000 (got "lots")',
    ]);
    expect(r.stderr).toContain("rampart-gateway: 3 configuration errors, not started (npm start -w gateway -- --help lists every variable)");
    expect(r.stderr).not.toContain("hunter2");
  });

  it("prints every configuration variable with its default on `npm start -w gateway -- --help` and exits 0", () => {
    const r = spawnSync("npm", ["start", "-s", "-w", "gateway", "--", "--help"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^rampart-gateway: authenticated WebSocket rooms/);
    expect(r.stdout).toContain("Usage: npm start -w gateway");
    for (const name of Object.keys(VARIABLES)) expect(r.stdout).toMatch(new RegExp(`^  ${name}(\\[_FILE\\])? `, "m"));
    expect(r.stdout).toMatch(/^ {2}GATEWAY_PORT +8080 +their port \(0-65535\)$/m);
    expect(r.stdout).toMatch(/^ {2}JWT_SECRET\[_FILE\] +required unless JWT_PUBLIC_KEY +HS256 secret/m);
    // IP thresholds a shared address can carry; the tight ones apply per user.
    expect(r.stdout).toMatch(/^ {2}ANOMALY_FAILED_AUTH +30\/300 /m);
    expect(r.stdout).toMatch(/^ {2}ANOMALY_RAPID_RECONNECT +300\/60 /m);
    expect(r.stdout).toMatch(/^ {2}ANOMALY_USER_RECONNECT +10\/60 /m);
    expect(r.stdout).toMatch(/^ {2}FANOUT_KEY\[_FILE\] +required with REDIS_URL /m);
    expect(r.stdout).toMatch(/^ {2}LOG_LEVEL +info +pino log level \(trace, debug, info, warn, error, fatal, silent\)$/m);
    expect(r.stdout).toContain('ALLOWED_ORIGINS=http://localhost:3000 JWT_SECRET="$(openssl rand -base64 48)" npm start -w gateway');
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
    writeFileSync(join(dir, "fanout"), "fanout-key-from-file-0123456789-abcdef\n", { mode: 0o400 });
    const config = loadConfig({
      ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      JWT_SECRET_FILE: join(dir, "jwt"),
      TURN_SECRET_FILE: join(dir, "turn"),
      TURN_URIS: "turn:turn.example.com:3478",
      REDIS_URL: "redis://gateway@redis:6379",
      REDIS_PASSWORD_FILE: join(dir, "redis"),
      FANOUT_KEY_FILE: join(dir, "fanout"),
    });
    expect(Buffer.from(config.jwt.key as Uint8Array).toString()).toBe(JWT_SECRET);
    expect(config.turn?.secret).toBe("turn-secret-from-file-0123456789-abcdef");
    expect(new URL(config.redisUrl!).password).toBe(encodeURIComponent("s3cret/pass"));
    expect(Buffer.from(config.fanoutKey!).toString()).toBe("fanout-key-from-file-0123456789-abcdef");
    expect(() => loadConfig({ ...base, JWT_SECRET_FILE: join(dir, "jwt") })).toThrow(/JWT_SECRET and JWT_SECRET_FILE are both set/);
    expect(() => loadConfig({ ALLOWED_ORIGINS: ALLOWED_ORIGIN, JWT_SECRET_FILE: join(dir, "missing") })).toThrow(/JWT_SECRET_FILE: cannot read/);
  });

  it.each([
    [{ MSG_PER_MINUTE: "lots" }, /MSG_PER_MINUTE must be an integer/],
    [{ TRUSTED_PROXIES: "0.0.0.0/0" }, /TRUSTED_PROXIES: "0.0.0.0\/0" would trust every address/],
    [{ TRUSTED_PROXIES: "not-a-cidr" }, /TRUSTED_PROXIES/],
    [{ REDIS_URL: "redis://gateway@redis:6379" }, /FANOUT_KEY is required with REDIS_URL/],
    [{ REDIS_URL: "redis://gateway@redis:6379", FANOUT_KEY: "short" }, /FANOUT_KEY is too weak: 5 bytes/],
    [{ ANOMALY_ALLOWLIST: "::/0" }, /ANOMALY_ALLOWLIST: "::\/0" would exempt every address/],
    [{ ANOMALY_ALLOWLIST: "198.51.100.0/24,office" }, /ANOMALY_ALLOWLIST: "office" is not an IPv4 or IPv6 CIDR/],
    [{ ANOMALY_ALLOWLIST: "198.51.100.0/" }, /ANOMALY_ALLOWLIST: "198.51.100.0\/" is not an IPv4 or IPv6 CIDR/],
    [{ LIVEKIT_URL: "wss://lk.example.com" }, /LIVEKIT_API_KEY, LIVEKIT_API_SECRET missing/],
    [{ TURN_SECRET: "short", TURN_URIS: "turn:x:3478" }, /TURN_SECRET is too weak/],
    [{ TURN_SECRET: "turn-secret-0123456789-0123456789-abcdef", TURN_URIS: "http://x" }, /TURN_URIS/],
    [{ TURN_TTL_SECONDS: "999999" }, /TURN_TTL_SECONDS/],
    [{ ALLOWED_ORIGINS: "https://app.example.com/" }, /ALLOWED_ORIGINS/],
    [{ JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----" }, /JWT_SECRET and JWT_PUBLIC_KEY are both set/],
    [{ ANOMALY_FAILED_AUTH: "5 per 300" }, /ANOMALY_FAILED_AUTH must be "<count>\/<seconds>"/],
    [{ REDIS_URL: "http://redis:6379" }, /REDIS_URL must start with redis:\/\//],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent \(got "loud"\)/],
    [{ GATEWAY_HOST: "example.com" }, /GATEWAY_HOST must be an IP address to listen on, or localhost \(got "example.com"\)/],
  ])("refuses %o with a message naming the variable", (extra, message) => {
    expect(() => loadConfig({ ...base, ...extra })).toThrow(message);
  });

  function problemsOf(env: Record<string, string>): readonly string[] {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    throw new Error("expected a ConfigError");
  }

  it("lists every problem, in the order of the variables, each naming its variable", () => {
    expect(problemsOf({ ALLOWED_ORIGINS: "*", MSG_PER_MINUTE: "0", TURN_SECRET: "short", REDIS_PASSWORD: "pw", LIVEKIT_URL: "lk.example.com" })).toEqual([
      'ALLOWED_ORIGINS: "*" is not an origin (expected https://host[:port])',
      "JWT_SECRET is required (HS256, at least 32 bytes, e.g. openssl rand -base64 48), or JWT_PUBLIC_KEY for RS256/ES256/EdDSA",
      "REDIS_PASSWORD is set but REDIS_URL is missing: set REDIS_URL, or unset REDIS_PASSWORD",
      "LiveKit is partly configured: LIVEKIT_API_KEY, LIVEKIT_API_SECRET missing (set all three LIVEKIT_* variables, or none)",
      "TURN_SECRET is set but TURN_URIS is empty: list the TURN server's URIs, e.g. turn:turn.example.com:3478",
      "TURN_SECRET is too weak: at least 32 characters required",
      "MSG_PER_MINUTE must be an integer between 1 and 1000000 (got \"0\")",
    ]);
  });

  it("reports an unreadable secret file once, not again as a missing secret", () => {
    expect(problemsOf({ ALLOWED_ORIGINS: ALLOWED_ORIGIN, JWT_SECRET_FILE: "/nonexistent/jwt" })).toEqual([
      "JWT_SECRET_FILE: cannot read /nonexistent/jwt (ENOENT): point it at a file the gateway's user can read",
    ]);
  });

  it("masks a credential-looking value even in a variable that is not a secret", () => {
    const problems = problemsOf({ ...base, TRUSTED_PROXIES: "redis://gateway:pa55word@redis:6379" });
    expect(problems).toEqual([`TRUSTED_PROXIES: ${SECRET_MASK} is not an IPv4 or IPv6 CIDR (e.g. 10.0.0.5/32 or 2001:db8::/64)`]);
    expect(problems.join("\n")).not.toContain("pa55word");
  });

  it("takes LOG_LEVEL from the table, info by default", () => {
    expect(loadConfig(base).logLevel).toBe("info");
    expect(loadConfig({ ...base, LOG_LEVEL: "debug" }).logLevel).toBe("debug");
  });
});
