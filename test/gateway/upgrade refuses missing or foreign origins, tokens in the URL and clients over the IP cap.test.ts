import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";

describe("WebSocket upgrade checks (docs/gateway-protocol.md 'upgrade' row)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ MAX_CONN_PER_IP: "3" });
  });
  afterAll(() => gw.close());

  it("answers 403 before upgrading when Origin is missing", async () => {
    const c = TestClient.connect(gw.wsUrl, { origin: null });
    expect(await c.refused).toBe(403);
    expect(gw.security("origin_rejected").at(-1)).toMatchObject({ ip: "127.0.0.1", origin: "(none)" });
  });

  it("answers 403 for a foreign origin and for near-misses of the allowed one", async () => {
    for (const origin of ["https://evil.example", "https://app.rampart.test.evil.example", "https://app.rampart.test:8443", "HTTPS://APP.RAMPART.TEST", "http://app.rampart.test", "null"]) {
      const c = TestClient.connect(gw.wsUrl, { origin });
      expect(await c.refused, origin).toBe(403);
    }
  });

  it("answers 400 when the URL carries a token, whatever the parameter's case, and never logs the token", async () => {
    const jwt = await token();
    for (const param of ["token", "access_token", "jwt", "Token", "ACCESS_TOKEN"]) {
      const c = TestClient.connect(`${gw.wsUrl}?${param}=${jwt}`);
      expect(await c.refused, param).toBe(400);
    }
    expect(gw.security("token_in_url").length).toBeGreaterThanOrEqual(5);
    expect(gw.rawLog.join("")).not.toContain(jwt);
    expect(gw.rawLog.join("")).not.toContain(jwt.split(".")[2]);
  });

  it("answers 404 for other paths", async () => {
    const c = TestClient.connect(gw.wsUrl.replace("/ws", "/other"));
    expect(await c.refused).toBe(404);
  });

  it("answers 429 once the IP holds MAX_CONN_PER_IP connections, and admits again after one closes", async () => {
    const held = [TestClient.connect(gw.wsUrl), TestClient.connect(gw.wsUrl), TestClient.connect(gw.wsUrl)];
    await Promise.all(held.map((c) => c.opened));
    const fourth = TestClient.connect(gw.wsUrl);
    expect(await fourth.refused).toBe(429);
    expect(gw.security("conn_cap").at(-1)).toMatchObject({ ip: "127.0.0.1", scope: "ip", limit: 3 });
    held[0]!.close();
    await held[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = TestClient.connect(gw.wsUrl);
    await again.opened;
    for (const c of [...held, again]) c.close();
  });
});

describe("client address behind proxies", () => {
  it("ignores CF-Connecting-IP and X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const gw = await startTestGateway();
    try {
      const c = TestClient.connect(gw.wsUrl, { origin: "https://evil.example", headers: { "CF-Connecting-IP": "203.0.113.9", "X-Forwarded-For": "198.51.100.7" } });
      expect(await c.refused).toBe(403);
      expect(gw.security("origin_rejected").at(-1)!.ip).toBe("127.0.0.1");
    } finally {
      await gw.close();
    }
  });

  it("believes CF-Connecting-IP, then the nearest untrusted X-Forwarded-For hop, from a trusted proxy", async () => {
    const gw = await startTestGateway({ TRUSTED_PROXIES: "127.0.0.0/8,10.0.0.0/8" });
    try {
      const cf = TestClient.connect(gw.wsUrl, { origin: "https://evil.example", headers: { "CF-Connecting-IP": "2001:db8::7" } });
      expect(await cf.refused).toBe(403);
      expect(gw.security("origin_rejected").at(-1)!.ip).toBe("2001:db8::7");
      // The client wrote 192.0.2.66 itself; 198.51.100.7 was added by our proxy chain (10.0.0.5).
      const xff = TestClient.connect(gw.wsUrl, { origin: "https://evil.example", headers: { "X-Forwarded-For": "192.0.2.66, 198.51.100.7, 10.0.0.5" } });
      expect(await xff.refused).toBe(403);
      expect(gw.security("origin_rejected").at(-1)!.ip).toBe("198.51.100.7");
    } finally {
      await gw.close();
    }
  });
});
