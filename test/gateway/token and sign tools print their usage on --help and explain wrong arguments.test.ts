import { spawnSync } from "node:child_process";
import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { deviceEventsPath } from "@rampart/catalogue";
import { signatureMatches } from "../../gateway/src/device/signature.js";
import { DEVICE_SECRET } from "./support/devices.js";
import { REPO_ROOT } from "./support/gateway.js";
import { JWT_SECRET } from "./support/tokens.js";

/** `npm run -s <tool> -w gateway -- <args>` from the repository root, as the README shows it. */
function run(tool: "token" | "sign", args: string[], env: Record<string, string> = {}) {
  const r = spawnSync("npm", ["run", "-s", tool, "-w", "gateway", "--", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A refused command line: exit 2, the problem first, then the usage, all on stderr. */
function expectUsageError(r: ReturnType<typeof run>, tool: string, problem: string) {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n")[0]).toBe(`${tool}: ${problem}`);
  expect(r.stderr).toContain(`\nUsage: npm run -s ${tool} -w gateway -- `);
}

describe("npm run token", () => {
  it("prints what it does, its options with defaults and an example on --help and -h, and exits 0", () => {
    const help = run("token", ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stderr).toBe("");
    expect(help.stdout).toMatch(/^token: mint a development access token \(JWT\)/);
    expect(help.stdout).toContain("Usage: npm run -s token -w gateway -- --sub <user> [options]");
    expect(help.stdout).toMatch(/^ {2}--sub <user> +user id, the token's sub \(required\)$/m);
    expect(help.stdout).toMatch(/^ {2}--ttl <seconds> +lifetime, 1-86400 \(default: 3600\)$/m);
    expect(help.stdout).toMatch(/^ {2}--iss <issuer> +iss claim \(default: \$JWT_ISSUER\)$/m);
    expect(help.stdout).toMatch(/^ {2}-h, --help +print this help and exit$/m);
    expect(help.stdout).toMatch(/^ {2}JWT_SECRET\[_FILE\] +HS256 secret, at least 32 bytes/m);
    expect(help.stdout).toContain("  npm run -s token -w gateway -- --sub alice --rooms demo,ops --ttl 600");
    expect(run("token", ["-h"]).stdout).toBe(help.stdout);
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--sub"], "Option '--sub <value>' argument missing"],
    [["--sub", "alice", "extra"], "Unexpected argument 'extra'. This command does not take positional arguments"],
    [["--rooms", "demo"], "--sub is required: the user id the token is for"],
    [["--sub", "alice", "--ttl", "0"], '--ttl must be a whole number of seconds from 1 to 86400 (got "0")'],
    [["--sub", "alice", "--ttl", "1h"], '--ttl must be a whole number of seconds from 1 to 86400 (got "1h")'],
    [["--sub", "alice", "--rooms", "demo,bad room"], '--rooms: "bad room" is not a room name (1-128 of A-Za-z0-9_.:-), nor *'],
    [["--sub", "alice", "--private-key", "/nonexistent/key.pem"], "--private-key: cannot read /nonexistent/key.pem (ENOENT)"],
  ])("refuses %j: exit 2 with %s and the usage", (args, problem) => {
    expectUsageError(run("token", args, { JWT_SECRET }), "token", problem);
  });

  it("refuses to sign without JWT_SECRET, or with a weak one", () => {
    expectUsageError(run("token", ["--sub", "alice"]), "token", "JWT_SECRET (or JWT_SECRET_FILE) must be set, or pass --private-key");
    expectUsageError(run("token", ["--sub", "alice"], { JWT_SECRET: "short" }), "token", "JWT_SECRET is too weak: at least 32 bytes required (e.g. openssl rand -base64 48)");
  });

  it("prints a token the gateway's key verifies, with JWT_ISSUER as the default iss", async () => {
    const r = run("token", ["--sub", "alice", "--rooms", "demo,ops", "--ttl", "600"], { JWT_SECRET, JWT_ISSUER: "https://issuer.example.com" });
    expect(r.status).toBe(0);
    const { payload } = await jwtVerify(r.stdout.trim(), new TextEncoder().encode(JWT_SECRET), { algorithms: ["HS256"] });
    expect(payload).toMatchObject({ sub: "alice", rooms: ["demo", "ops"], iss: "https://issuer.example.com" });
    expect(payload.exp! - payload.iat!).toBe(600);
  });
});

describe("npm run sign", () => {
  it("prints what it does, its options with defaults and an example on --help, and exits 0", () => {
    const help = run("sign", ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stderr).toBe("");
    expect(help.stdout).toMatch(/^sign: build an HMAC-signed device request/);
    expect(help.stdout).toContain("Usage: npm run -s sign -w gateway -- --device <id> (--room <room> --text <text> | --body <json>) [options]");
    expect(help.stdout).toMatch(/^ {2}--timestamp <unix seconds> +signed timestamp \(default: now\)$/m);
    expect(help.stdout).toMatch(/^ {2}--nonce <nonce> +16-64 of A-Za-z0-9_- \(default: random\)$/m);
    expect(help.stdout).toMatch(/^ {2}DEVICE_SECRET\[_FILE\] +the device's secret/m);
    expect(help.stdout).toContain("npm run -s sign -w gateway -- --device sensor-1 --room demo --text hello --send http://127.0.0.1:8080");
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--room", "demo", "--text", "hi"], "--device is required: the id of the device in DEVICES_FILE"],
    [["--device", "sensor 1", "--room", "demo", "--text", "hi"], '--device must be 1-64 of A-Za-z0-9_.- (got "sensor 1")'],
    [["--device", "sensor-1", "--room", "demo"], "--room and --text are required (or --body)"],
    [["--device", "sensor-1", "--room", "demo", "--text", "hi", "--body", "{}"], "give either --body or --room with --text, not both"],
    [["--device", "sensor-1", "--body", "{}", "--timestamp", "yesterday"], '--timestamp must be a whole number of Unix seconds (got "yesterday")'],
    [["--device", "sensor-1", "--body", "{}", "--nonce", "short"], "--nonce must be 16-64 of A-Za-z0-9_-"],
    [["--device", "sensor-1", "--body", "{}", "--send", "127.0.0.1:8080"], '--send must be an http:// or https:// base URL (got "127.0.0.1:8080")'],
  ])("refuses %j: exit 2 with %s and the usage", (args, problem) => {
    expectUsageError(run("sign", args, { DEVICE_SECRET }), "sign", problem);
  });

  it("refuses to sign without DEVICE_SECRET", () => {
    expectUsageError(run("sign", ["--device", "sensor-1", "--room", "demo", "--text", "hi"]), "sign", "DEVICE_SECRET (or DEVICE_SECRET_FILE) must be set");
  });

  it("prints a request whose signature the gateway's check accepts", () => {
    const r = run("sign", ["--device", "sensor-1", "--room", "demo", "--text", "hello", "--timestamp", "1700000000", "--nonce", "nonce-0123456789abcdef"], { DEVICE_SECRET });
    expect(r.status).toBe(0);
    const request = JSON.parse(r.stdout) as { path: string; headers: Record<string, string>; body: string };
    expect(request.path).toBe(deviceEventsPath("sensor-1"));
    expect(JSON.parse(request.body)).toEqual({ room: "demo", text: "hello" });
    const signed = { timestamp: "1700000000", nonce: "nonce-0123456789abcdef", method: "POST", path: request.path, body: Buffer.from(request.body) };
    expect(signatureMatches(DEVICE_SECRET, signed, request.headers["X-Rampart-Signature"]!)).toBe(true);
  });
});
