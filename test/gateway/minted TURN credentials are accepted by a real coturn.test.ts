import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { TestClient } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { freePort } from "./support/ports.js";
import { token } from "./support/tokens.js";

const run = promisify(execFile);
const TURN_SECRET = "turn-secret-0123456789-0123456789-abcdef";

describeWithBinaries(["turnserver", "turnutils_uclient"])("TURN REST credentials against coturn", () => {
  let turn: ChildProcess;
  let turnPort: number;
  let gw: TestGateway;

  beforeAll(async () => {
    turnPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "rampart-coturn-"));
    // Throwaway config: loopback only. allow-loopback-peers exists ONLY here, because the relay peers
    // of this test are the test's own clients on 127.0.0.1; production coturn denies loopback.
    const conf = join(dir, "turnserver.conf");
    writeFileSync(conf, [
      "listening-ip=127.0.0.1", `listening-port=${turnPort}`, "relay-ip=127.0.0.1", "min-port=49600", "max-port=49620",
      "use-auth-secret", `static-auth-secret=${TURN_SECRET}`, "realm=rampart.test", "fingerprint", "no-cli", "no-tls", "no-dtls",
      "allow-loopback-peers", "no-multicast-peers", `userdb=${join(dir, "turndb")}`, `pidfile=${join(dir, "turn.pid")}`, "log-file=stdout", "simple-log",
    ].join("\n"));
    turn = spawn("turnserver", ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    await new Promise((r) => setTimeout(r, 1000));
    gw = await startTestGateway({ TURN_SECRET, TURN_URIS: `turn:127.0.0.1:${turnPort}?transport=udp`, TURN_TTL_SECONDS: "600" });
  });
  afterAll(async () => {
    await gw?.close();
    if (turn?.pid && turn.exitCode === null) {
      const exited = new Promise((r) => turn.once("exit", r));
      process.kill(turn.pid, "SIGTERM");
      await exited;
    }
  });

  async function mintedIceServer() {
    const c = await TestClient.authed(gw.wsUrl, await token({ sub: "alice" }));
    const joined = await c.join("demo");
    c.close();
    return (joined.iceServers as { username: string; credential: string }[])[0]!;
  }

  const uclient = (username: string, credential: string) =>
    run("turnutils_uclient", ["-y", "-n", "3", "-p", String(turnPort), "-u", username, "-w", credential, "127.0.0.1"], { timeout: 20_000 }).then(
      (r) => r.stdout + r.stderr,
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`,
    );

  it("relays with 0 % loss using the credentials from the joined frame", async () => {
    const ice = await mintedIceServer();
    const out = await uclient(ice.username, ice.credential);
    expect(out).toMatch(/Total lost packets 0 \(0\.000000%\)/);
    expect(out).not.toMatch(/Cannot complete Allocation/);
  });

  it("is refused with a tampered credential or a username whose expiry was changed", async () => {
    const ice = await mintedIceServer();
    expect(await uclient(ice.username, Buffer.from("forged").toString("base64"))).toMatch(/Cannot complete Allocation/);
    const [expiry, user] = ice.username.split(":");
    expect(await uclient(`${Number(expiry) + 86_400}:${user}`, ice.credential)).toMatch(/Cannot complete Allocation/);
  });
});
