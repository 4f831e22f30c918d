import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";
import { BLOCKED_SECRET, DEVICE_SECRET, postDevice, writeDevicesFile } from "./support/devices.js";

const UNAUTHORIZED = JSON.stringify({ error: "UNAUTHORIZED" });

describe("device API (docs/gateway-protocol.md)", () => {
  let gw: TestGateway;
  let devicesFile: string;
  beforeAll(async () => {
    devicesFile = writeDevicesFile();
    gw = await startTestGateway({ DEVICES_FILE: devicesFile, DEVICE_PER_MINUTE: "1000" });
  });
  afterAll(() => gw.close());

  it("202: a signed event reaches the room as from bot:{deviceId}", async () => {
    const member = await TestClient.authed(gw.wsUrl, await token({ sub: "alice", rooms: ["demo"] }));
    await member.join("demo");
    const res = await postDevice(gw.url, { text: "temperature 21" });
    expect(res.status).toBe(202);
    expect(await member.next("message")).toMatchObject({ room: "demo", from: "bot:sensor-1", text: "temperature 21" });
    member.close();
  });

  it.each([
    ["an unknown device", { deviceId: "sensor-unknown" }, "hmac_invalid"],
    ["a blocked device (even with its right secret)", { deviceId: "sensor-blocked", secret: BLOCKED_SECRET }, "hmac_invalid"],
    ["a wrong secret", { secret: "wrong-secret-0123456789-0123456789-abcdef" }, "hmac_invalid"],
    // Timestamps relative to the moment of the request, not of test collection.
    ["a timestamp 301 s in the past", () => ({ timestamp: Math.floor(Date.now() / 1000) - 301 }), "hmac_stale"],
    ["a timestamp 301 s in the future (a one-sided check would let this live forever)", () => ({ timestamp: Math.floor(Date.now() / 1000) + 301 }), "hmac_stale"],
    ["a far-future timestamp", { timestamp: 9_999_999_999 }, "hmac_stale"],
  ])("401 with the generic body for %s", async (_what, input, event) => {
    const before = gw.security(event).length;
    const res = await postDevice(gw.url, typeof input === "function" ? input() : input);
    expect(res.status).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED);
    expect(gw.security(event).length).toBe(before + 1);
  });

  it("accepts timestamps just inside the window on both sides", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await postDevice(gw.url, { timestamp: now - 290 })).status).toBe(202);
    expect((await postDevice(gw.url, { timestamp: now + 290 })).status).toBe(202);
  });

  it("401 for a replayed nonce, even with a fresh signature over the same nonce", async () => {
    const first = await postDevice(gw.url, { nonce: "replay-nonce-0000000001" });
    expect(first.status).toBe(202);
    const replay = await fetch(new URL(first.request.path, gw.url), { method: "POST", headers: first.request.headers, body: first.request.body });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toBe(UNAUTHORIZED);
    const again = await postDevice(gw.url, { nonce: "replay-nonce-0000000001", timestamp: Math.floor(Date.now() / 1000) + 1 });
    expect(again.status).toBe(401);
    expect(gw.security("hmac_replay").length).toBe(2);
  });

  it("401 when the body, path or method differs from what was signed, or headers are malformed", async () => {
    const tampered = await postDevice(gw.url, {}, (r) => Object.assign(r, { body: JSON.stringify({ room: "demo", text: "forged" }) }));
    expect(tampered.status).toBe(401);
    for (const [name, value] of [["X-Rampart-Nonce", "short"], ["X-Rampart-Nonce", "bad nonce with spaces!!"], ["X-Rampart-Timestamp", "12.5"], ["X-Rampart-Signature", "sha256=abc"]] as const) {
      const res = await postDevice(gw.url, {}, (r) => void (r.headers[name] = value));
      expect(res.status, `${name}=${value}`).toBe(401);
    }
    const unsigned = await postDevice(gw.url, {}, (r) => void delete r.headers["X-Rampart-Signature"]);
    expect(unsigned.status).toBe(401);
    const upper = await postDevice(gw.url, {}, (r) => void (r.headers["X-Rampart-Signature"] = r.headers["X-Rampart-Signature"]!.toUpperCase()));
    expect(upper.status).toBe(401);
  });

  it("413 for a body over 64 KiB and 415 for a body that is not JSON", async () => {
    const big = await postDevice(gw.url, { body: JSON.stringify({ room: "demo", text: "x".repeat(70_000) }) });
    expect(big.status).toBe(413);
    const form = await postDevice(gw.url, {}, (r) => void (r.headers["Content-Type"] = "application/x-www-form-urlencoded"));
    expect(form.status).toBe(415);
  });

  it("400 for a signed body that fails the schema; 403 for a room the device is not allowed", async () => {
    expect((await postDevice(gw.url, { body: JSON.stringify({ room: "demo", text: "" }) })).status).toBe(400);
    expect((await postDevice(gw.url, { body: "not json" })).status).toBe(400);
    expect((await postDevice(gw.url, { deviceId: "sensor-ops", room: "demo" })).status).toBe(403);
    expect((await postDevice(gw.url, { deviceId: "sensor-ops", room: "ops" })).status).toBe(202);
  });

  it("counts failures in hmac_failures_total by reason", async () => {
    const text = await (await fetch(gw.metricsUrl)).text();
    for (const reason of ["bad_signature", "stale", "replay", "unknown_or_blocked_device", "malformed"]) {
      expect(text).toMatch(new RegExp(`hmac_failures_total\\{reason="${reason}"\\} [1-9]`));
    }
  });

  it("refuses a device once DEVICES_FILE marks it blocked, without a restart", async () => {
    expect((await postDevice(gw.url, {})).status).toBe(202);
    writeFileSync(devicesFile, JSON.stringify({ "sensor-1": { secret: DEVICE_SECRET, status: "blocked" } }));
    const deadline = Date.now() + 8000;
    let status = 202;
    while (status === 202 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await postDevice(gw.url, {})).status;
    }
    expect(status).toBe(401);
  });
});

describe("device rate limits", () => {
  it("429 with Retry-After once the device is over its per-minute limit", async () => {
    const gw = await startTestGateway({ DEVICES_FILE: writeDevicesFile(), DEVICE_PER_MINUTE: "5" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await postDevice(gw.url, {})).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
      const res = await postDevice(gw.url, {});
      expect(Number(res.retryAfter)).toBeGreaterThan(0);
      expect(Number(res.retryAfter)).toBeLessThanOrEqual(60);
      expect(gw.security("rate_limited").at(-1)).toMatchObject({ scope: "device", deviceId: "sensor-1" });
    } finally {
      await gw.close();
    }
  });

  it("the hour limit binds too (reference: 300 / 10,000 / 100,000)", async () => {
    const gw = await startTestGateway({ DEVICES_FILE: writeDevicesFile(), DEVICE_PER_MINUTE: "100", DEVICE_PER_HOUR: "3" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await postDevice(gw.url, {})).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
      const res = await postDevice(gw.url, {});
      expect(Number(res.retryAfter)).toBeGreaterThan(60);
    } finally {
      await gw.close();
    }
  });
});
