import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { TestClient, withTimeout } from "./support/client.js";
import { REPO_ROOT, startTestGateway, type TestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";
import { postDevice, writeDevicesFile } from "./support/devices.js";

const FILTER = join(REPO_ROOT, "gateway/fail2ban/filter.d/rampart-gateway.conf");
const EVENTS = ["auth_failed", "auth_timeout", "origin_rejected", "token_in_url", "rate_limited", "conn_cap", "hmac_invalid", "hmac_replay", "hmac_stale", "message_too_big", "anomaly", "forced_close"];

/** A client that appears (through the trusted loopback proxy) to come from `ip`. */
const from = (ip: string, origin?: string | null) => (url: string) => TestClient.connect(url, { headers: { "CF-Connecting-IP": ip }, ...(origin !== undefined ? { origin } : {}) });

describeWithBinaries(["fail2ban-regex"])("fail2ban filter on the gateway's real log output", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      TRUSTED_PROXIES: "127.0.0.1/32",
      DEVICES_FILE: writeDevicesFile(),
      AUTH_TIMEOUT_MS: "200",
      MAX_MESSAGE_BYTES: "1024",
      MSG_PER_MINUTE: "3",
      MAX_CONN_PER_IP: "1",
      ANOMALY_FAILED_AUTH: "2/300",
    });
    // Produce every security event from IPv4 and IPv6 clients, plus application lines around them.
    const forged = "x\",\"ip\":\"192.0.2.250\",\"event\":\"auth_failed";
    await from("203.0.113.10", `https://evil.example/${forged}`)(gw.wsUrl).refused; // origin_rejected, injection attempt
    await from("2001:db8::10", null)(gw.wsUrl).refused; // origin_rejected, no origin
    await from("203.0.113.11")(`${gw.wsUrl}?token=abc`).refused; // token_in_url
    const silent = from("2001:db8::11")(gw.wsUrl); // auth_timeout
    await silent.closed;
    for (const ip of ["203.0.113.12", "203.0.113.12", "203.0.113.12"]) {
      const c = from(ip)(gw.wsUrl); // auth_failed; the third -> anomaly (failed_auth)
      await c.opened;
      c.send({ type: "auth", token: await token({ secret: "wrong-wrong-wrong-wrong-wrong-wrong-wrong", sub: forged }) });
      await c.closed;
    }
    expect(await withTimeout(from("203.0.113.12")(gw.wsUrl).refused, 3000, "blocked ip refused")).toBe(429); // rate_limited (ip_blocked)
    const big = from("2001:db8::12")(gw.wsUrl);
    await big.opened;
    big.send("x".repeat(2000)); // message_too_big
    await big.closed;
    const holder = from("203.0.113.13")(gw.wsUrl);
    await holder.opened;
    await from("203.0.113.13")(gw.wsUrl).refused; // conn_cap
    holder.close();
    const flooder = from("2001:db8::13")(gw.wsUrl);
    await flooder.opened;
    flooder.send({ type: "auth", token: await token({ sub: "flooder" }) });
    await flooder.next("auth_ok");
    for (let i = 0; i < 5; i++) flooder.send({ type: "leave", room: "demo" }); // rate_limited (message)
    await flooder.closed;
    const cf = { "CF-Connecting-IP": "203.0.113.14" };
    await postDevice(gw.url, { secret: "wrong-secret-wrong-secret-wrong-secret" }, (r) => Object.assign(r.headers, cf)); // hmac_invalid
    await postDevice(gw.url, { timestamp: 1 }, (r) => Object.assign(r.headers, cf)); // hmac_stale
    const ok = await postDevice(gw.url, { nonce: "fail2ban-nonce-000001" }, (r) => Object.assign(r.headers, { "CF-Connecting-IP": "2001:db8::14" }));
    expect(ok.status).toBe(202);
    await postDevice(gw.url, { nonce: "fail2ban-nonce-000001" }, (r) => Object.assign(r.headers, { "CF-Connecting-IP": "2001:db8::14" })); // hmac_replay
    const expiring = from("203.0.113.15")(gw.wsUrl);
    await expiring.opened;
    expiring.send({ type: "auth", token: await token({ sub: "expiring", expiresIn: 1 }) });
    await expiring.next("auth_ok");
    expect((await withTimeout(expiring.closed, 5000, "expiry close")).code).toBe(4004); // forced_close, charged to the user
  });
  afterAll(() => gw?.close());

  it("produced every security event of docs/gateway-protocol.md (the log under test is complete)", () => {
    const seen = new Set(gw.security().map((l) => l.event));
    expect([...seen].sort()).toEqual([...EVENTS].sort());
  });

  it("matches every security line charged to the IP, no other line, with the line's own IPv4 or IPv6 address", () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-f2b-"));
    const logFile = join(dir, "gateway.log");
    writeFileSync(logFile, gw.rawLog.join(""));
    const lines = gw.logs();
    const expected = lines.filter((l) => l.cat === "security" && l.charged === "ip").map((l) => l.ip);
    // What authenticated users did is in the log too, and must not ban their (possibly shared) address.
    const userCharged = lines.filter((l) => l.cat === "security" && l.charged === "user");
    expect(userCharged.map((l) => l.event)).toEqual(expect.arrayContaining(["rate_limited", "forced_close"]));
    expect(userCharged.map((l) => l.ip)).toEqual(expect.arrayContaining(["2001:db8::13", "203.0.113.15"]));
    expect(lines.length).toBeGreaterThan(expected.length); // app lines are present and must not match
    const out = execFileSync("fail2ban-regex", ["-o", "ip", logFile, FILTER], { encoding: "utf8", timeout: 30_000 });
    const matched = out.split("\n").map((l) => l.trim()).filter(Boolean);
    expect(matched).toEqual(expected);
    expect(matched).toContain("2001:db8::10");
    expect(matched).toContain("203.0.113.10");
    expect(matched).not.toContain("192.0.2.250"); // the forged address inside client-controlled fields
    expect(matched).not.toContain("2001:db8::13"); // the flooding user's address: charged to the user
    expect(matched).not.toContain("203.0.113.15");
  });

  it("ignores a well-formed line with an event that is not a security event", () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-f2b-"));
    const logFile = join(dir, "other.log");
    const now = Date.now();
    writeFileSync(
      logFile,
      [
        `{"level":"warn","time":${now},"cat":"security","event":"login_ok","ip":"198.51.100.1","charged":"ip"}`,
        `{"level":"warn","time":${now},"cat":"app","event":"auth_failed","ip":"198.51.100.2","charged":"ip"}`,
        `{"level":"warn","time":${now},"cat":"security","event":"auth_failed","ip":"198.51.100.3","charged":"ip"}`,
        `{"level":"warn","time":${now},"cat":"security","event":"anomaly","ip":"198.51.100.4","charged":"user"}`,
      ].join("\n") + "\n",
    );
    const out = execFileSync("fail2ban-regex", ["-o", "ip", logFile, FILTER], { encoding: "utf8", timeout: 30_000 });
    expect(out.trim().split("\n")).toEqual(["198.51.100.3"]);
  });
});
