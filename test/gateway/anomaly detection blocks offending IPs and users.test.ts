import { describe, expect, it } from "vitest";
import { TestClient, withTimeout } from "./support/client.js";
import { startTestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";
import { postDevice, writeDevicesFile } from "./support/devices.js";

describe("anomaly detection (the four patterns of docs/gateway-protocol.md)", () => {
  it("rapid reconnects: the IP is blocked with 429 after the threshold, and stays blocked", async () => {
    const gw = await startTestGateway({ ANOMALY_RAPID_RECONNECT: "3/60", ANOMALY_BLOCK_SECONDS: "60" });
    try {
      for (let i = 0; i < 3; i++) {
        const c = TestClient.connect(gw.wsUrl);
        await c.opened;
        c.close();
      }
      expect(await TestClient.connect(gw.wsUrl).refused).toBe(429);
      expect(gw.security("anomaly").at(-1)).toMatchObject({ ip: "127.0.0.1", pattern: "rapid_reconnect", subject: "ip", threshold: 3 });
      expect(await TestClient.connect(gw.wsUrl).refused).toBe(429);
      expect(gw.security("rate_limited").at(-1)).toMatchObject({ scope: "ip_blocked" });
    } finally {
      await gw.close();
    }
  });

  it("failed-auth bursts (WebSocket or device signatures) block the IP on both surfaces", async () => {
    const gw = await startTestGateway({ ANOMALY_FAILED_AUTH: "3/300", DEVICES_FILE: writeDevicesFile() });
    try {
      for (let i = 0; i < 3; i++) {
        const c = TestClient.connect(gw.wsUrl);
        await c.opened;
        c.send({ type: "auth", token: "bad" });
        await c.closed;
      }
      expect((await postDevice(gw.url, { secret: "wrong-secret-wrong-secret-wrong-secret" })).status).toBe(401);
      expect(gw.security("anomaly").at(-1)).toMatchObject({ pattern: "failed_auth" });
      expect(await TestClient.connect(gw.wsUrl).refused).toBe(429);
      const device = await postDevice(gw.url, {});
      expect(device.status).toBe(429);
      expect(Number(device.retryAfter)).toBeGreaterThan(0);
    } finally {
      await gw.close();
    }
  });

  it("room hopping closes the connection 4008 and blocks the user at the next auth", async () => {
    const gw = await startTestGateway({ ANOMALY_ROOM_HOPPING: "5/60", MSG_PER_MINUTE: "1000" });
    try {
      const jwt = await token({ sub: "hopper", rooms: ["*"] });
      const c = await TestClient.authed(gw.wsUrl, jwt);
      for (let i = 0; i < 5; i++) expect(await c.join(`room-${i}`)).toMatchObject({ type: "joined" });
      c.send({ type: "join", room: "room-5" });
      expect(await c.next("error")).toEqual({ type: "error", code: "RATE_LIMITED" });
      expect((await withTimeout(c.closed, 3000, "close")).code).toBe(4008);
      expect(gw.security("anomaly").at(-1)).toMatchObject({ pattern: "room_hopping", subject: "user", userId: "hopper" });
      const again = TestClient.connect(gw.wsUrl);
      await again.opened;
      again.send({ type: "auth", token: jwt });
      expect(await again.next()).toEqual({ type: "error", code: "RATE_LIMITED" });
      expect((await withTimeout(again.closed, 3000, "close")).code).toBe(4008);
      // Other users are unaffected.
      (await TestClient.authed(gw.wsUrl, await token({ sub: "someone-else" }))).close();
    } finally {
      await gw.close();
    }
  });

  it("bulk messages close the connection 4008 and log the anomaly", async () => {
    const gw = await startTestGateway({ ANOMALY_BULK_MESSAGES: "20/60", MSG_PER_MINUTE: "1000" });
    try {
      const c = await TestClient.authed(gw.wsUrl, await token({ sub: "bulker" }));
      await c.join("demo");
      for (let i = 0; i < 25; i++) c.send({ type: "message", room: "demo", text: `bulk ${i}` });
      expect(await c.next("error")).toEqual({ type: "error", code: "RATE_LIMITED" });
      expect((await withTimeout(c.closed, 3000, "close")).code).toBe(4008);
      expect(gw.security("anomaly").at(-1)).toMatchObject({ pattern: "bulk_messages", userId: "bulker" });
      expect(c.frames.filter((f) => f.type === "message").length).toBeLessThanOrEqual(20);
    } finally {
      await gw.close();
    }
  });
});
