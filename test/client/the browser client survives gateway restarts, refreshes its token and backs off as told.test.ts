/**
 * @rampart/client in headless Chromium against the real gateway on a real Redis (Rampart's rendered
 * configuration and ACL): restart mid-session, token refresh before expiry, rate-limit backoff,
 * foreign-origin refusal, a refused token, an oversized frame. Waits are bounded and generous; timing
 * assertions are only lower bounds the client itself promises (a retry never earlier than announced).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { startTestGateway, type TestGateway } from "../gateway/support/gateway.js";
import { freePort } from "../gateway/support/ports.js";
import { startRedis, type TestRedis } from "../gateway/support/redis.js";
import { TestClient } from "../gateway/support/client.js";
import { ALLOWED_ORIGIN, token } from "../gateway/support/tokens.js";
import { CHROMIUM, clientPage, count, events, launchBrowser, startSite, waitForEvents, type Browser, type PageSite } from "./support/browser.js";

describeWithBinaries([CHROMIUM, "redis-server"])("@rampart/client in headless Chromium against the gateway", () => {
  let browser: Browser;
  let site: PageSite;
  let redis: TestRedis;
  const gateways: TestGateway[] = [];

  async function gateway(overrides: Record<string, string> = {}): Promise<TestGateway> {
    const gw = await startTestGateway({ ALLOWED_ORIGINS: `${site.origin},${ALLOWED_ORIGIN}`, REDIS_URL: redis.url, ...overrides });
    gateways.push(gw);
    return gw;
  }

  beforeAll(async () => {
    [site, redis, browser] = await Promise.all([startSite(), startRedis(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    for (const gw of gateways) await gw.close();
    await site?.close();
    await redis?.stop();
  });

  it("reconnects after a gateway restart, re-authenticates, rejoins its room and sends what was queued meanwhile", async () => {
    const port = await freePort();
    const first = await gateway({ GATEWAY_PORT: String(port) });
    const other = await gateway(); // a second instance on the same Redis, up throughout
    const bob = await TestClient.authed(other.wsUrl, await token({ sub: "bob" }));
    await bob.join("demo");

    const page = await clientPage(browser, site.origin, { wsUrl: first.wsUrl, sub: "alice", backoff: { initialMs: 200, maxMs: 1000 } });
    await page.evaluate(() => {
      const { client } = window as unknown as { client: import("@rampart/client").RampartClient };
      client.join("demo");
      client.send("demo", "queued before auth_ok");
      client.connect();
    });
    expect((await bob.next("message", 20_000)).text).toBe("queued before auth_ok");
    await waitForEvents(page, (e) => count(e, "joined", (x) => x.room === "demo") === 1, "the first joined");

    await first.close();
    // While the port is closed the client keeps trying (1006 each time) within its backoff windows.
    const down = await waitForEvents(page, (e) => count(e, "disconnected") >= 1, "the 1001 close");
    const close = down.find((x) => x.ev === "disconnected")!.e;
    expect(close.code).toBe(1001);
    expect(close.retryInMs).toBeGreaterThanOrEqual(0);
    expect(close.retryInMs).toBeLessThanOrEqual(200); // the first window: full jitter in [0, initialMs]
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.send("demo", "queued while the gateway was down"));

    const restarted = await gateway({ GATEWAY_PORT: String(port) });
    const back = await waitForEvents(page, (e) => count(e, "auth_ok") === 2 && count(e, "joined", (x) => x.room === "demo") === 2, "re-auth and rejoin", 30_000);
    expect(count(back, "state", (x) => (x as unknown) === "waiting")).toBeGreaterThanOrEqual(1);
    // Delivered through the restarted instance, so it rejoined there before the queue went out.
    expect((await bob.next("message", 20_000)).text).toBe("queued while the gateway was down");
    bob.send({ type: "message", room: "demo", text: "hello after the restart" });
    await waitForEvents(page, (e) => count(e, "message", (x) => x.from === "bob" && x.text === "hello after the restart") === 1, "bob's message");
    // Never a token in the URL, on any attempt.
    expect(restarted.security("token_in_url")).toEqual([]);
    expect(first.security("token_in_url")).toEqual([]);
    bob.ws.close();
    await page.close();
  });

  it("re-authenticates through getToken() before its token expires and keeps the connection", async () => {
    const gw = await gateway();
    const page = await clientPage(browser, site.origin, { wsUrl: gw.wsUrl, sub: "carol", ttl: 12, refreshBeforeExpiryMs: 8000 });
    await page.evaluate(() => {
      const { client } = window as unknown as { client: import("@rampart/client").RampartClient };
      client.join("demo");
      client.connect();
    });
    const opened = await waitForEvents(page, (e) => count(e, "auth_ok") === 1, "auth_ok");
    const firstExpiry = opened.find((x) => x.ev === "auth_ok")!.e.expiresAt!;
    const refreshed = await waitForEvents(page, (e) => count(e, "reauth_ok") >= 1, "reauth_ok", 20_000);
    const reauth = refreshed.find((x) => x.ev === "reauth_ok")!;
    expect(reauth.t).toBeLessThan(firstExpiry * 1000);
    expect(reauth.e.expiresAt).toBeGreaterThan(firstExpiry);
    // Past the first token's expiry: still the same connection, and it still works.
    await new Promise((r) => setTimeout(r, Math.max(0, firstExpiry * 1000 + 1500 - Date.now())));
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.send("demo", "after the first expiry"));
    const after = await waitForEvents(page, (e) => count(e, "message", (x) => x.text === "after the first expiry") === 1, "the message after expiry");
    expect(count(after, "disconnected")).toBe(0);
    expect(count(after, "auth_ok")).toBe(1);
    expect(site.minted.filter((m) => m.sub === "carol").length).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it("reconnects at once with a fresh token when the refresh came too late and the gateway closed with 4004", async () => {
    const gw = await gateway();
    // A 4 s token, refreshed at half its life, from a token endpoint that stalls 5 s after the first answer.
    const page = await clientPage(browser, site.origin, { wsUrl: gw.wsUrl, sub: "heidi", ttl: 4, refreshBeforeExpiryMs: 3000, slowTokenAfterFirstMs: 5000 });
    await page.evaluate(() => {
      const { client } = window as unknown as { client: import("@rampart/client").RampartClient };
      client.join("demo");
      client.connect();
    });
    const seen = await waitForEvents(page, (e) => count(e, "auth_ok") === 2 && count(e, "joined") === 2, "the reconnection after 4004", 40_000);
    const closes = seen.filter((x) => x.ev === "disconnected");
    expect(closes[0]!.e).toMatchObject({ code: 4004, retryInMs: 0 });
    expect(count(seen, "reauth_ok")).toBe(0);
    expect(seen.filter((x) => x.ev === "auth_ok")[1]!.e.expiresAt).toBeGreaterThan(seen.find((x) => x.ev === "auth_ok")!.e.expiresAt!);
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.close());
    await page.close();
  });

  it("backs off longer after a 4008 rate-limit close than after other closes, then reconnects", async () => {
    const gw = await gateway({ MSG_PER_MINUTE: "5" });
    const page = await clientPage(browser, site.origin, { wsUrl: gw.wsUrl, sub: "dave", backoff: { initialMs: 200, maxMs: 1000, rateLimitedMs: 2500 } });
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.connect());
    await waitForEvents(page, (e) => count(e, "state", (x) => (x as unknown) === "open") === 1, "open");
    // Not joined: each message is FORBIDDEN, and every frame counts; the sixth trips MSG_PER_MINUTE.
    await page.evaluate(() => {
      const { client } = window as unknown as { client: import("@rampart/client").RampartClient };
      for (let i = 0; i < 8; i++) client.send("demo", `flood ${i}`);
    });
    const limited = await waitForEvents(page, (e) => count(e, "disconnected") >= 1, "the 4008 close");
    const close = limited.find((x) => x.ev === "disconnected")!;
    expect(close.e.code).toBe(4008);
    expect(close.e.retryInMs).toBeGreaterThanOrEqual(2500);
    expect(count(limited, "error", (x) => x.code === "RATE_LIMITED")).toBe(1);
    const again = await waitForEvents(page, (e) => count(e, "auth_ok") === 2, "the reconnection", 30_000);
    const secondAuth = again.filter((x) => x.ev === "auth_ok")[1]!;
    expect(secondAuth.t - close.t).toBeGreaterThanOrEqual(2500 - 5);
    expect(gw.security("rate_limited").filter((l) => l.scope === "message")).toHaveLength(1);
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.close());
    await page.close();
  });

  it("is refused before the upgrade from a foreign origin and retries only within its growing backoff windows", async () => {
    const gw = await gateway();
    const page = await clientPage(browser, site.foreignOrigin, { wsUrl: gw.wsUrl, sub: "eve", backoff: { initialMs: 100, maxMs: 800 } });
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.connect());
    const seen = await waitForEvents(page, (e) => count(e, "disconnected") >= 4, "four refused attempts", 30_000);
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.close());
    const closes = seen.filter((x) => x.ev === "disconnected");
    expect(count(seen, "auth_ok")).toBe(0);
    closes.forEach((c, k) => {
      expect(c.e.code).toBe(1006); // the browser sees a failed upgrade (403) as 1006
      expect(c.e.retryInMs).toBeLessThanOrEqual(Math.min(800, 100 * 2 ** k));
    });
    const rejected = gw.security("origin_rejected");
    expect(rejected.length).toBeGreaterThanOrEqual(4);
    expect(rejected.every((l) => l.origin === site.foreignOrigin)).toBe(true);
    await page.close();
  });

  it("stops and reports a refused token (4003) instead of retrying", async () => {
    const gw = await gateway();
    const page = await clientPage(browser, site.origin, { wsUrl: gw.wsUrl, sub: "frank", badToken: true, backoff: { initialMs: 50, maxMs: 100 } });
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.connect());
    const seen = await waitForEvents(page, (e) => count(e, "token_rejected") === 1, "token_rejected");
    expect(seen.find((x) => x.ev === "disconnected")!.e).toMatchObject({ code: 4003, retryInMs: undefined });
    // Well past several retry windows: no second attempt.
    await new Promise((r) => setTimeout(r, 1500));
    const later = await events(page);
    expect(count(later, "disconnected")).toBe(1);
    expect(later.at(-1)).toMatchObject({ ev: "token_rejected" });
    expect(await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.state)).toBe("stopped");
    expect(gw.security("auth_failed")).toHaveLength(1);
    await page.close();
  });

  it("refuses an oversized frame itself, and after a 1009 close reports it, reconnects and does not resend the frame", async () => {
    const gw = await gateway({ MAX_MESSAGE_BYTES: "1024" });
    const strict = await clientPage(browser, site.origin, { wsUrl: gw.wsUrl, sub: "grace", maxFrameBytes: 1024 });
    const refusal = await strict.evaluate(() => {
      try {
        (window as unknown as { client: import("@rampart/client").RampartClient }).client.send("demo", "x".repeat(2000));
        return "sent";
      } catch (err) {
        return (err as Error).message;
      }
    });
    expect(refusal).toMatch(/over maxFrameBytes \(1024\)/);
    await strict.close();

    // A client configured above the gateway's limit: the gateway closes with 1009.
    const page = await clientPage(browser, site.origin, { wsUrl: gw.wsUrl, sub: "grace", maxFrameBytes: 65_536, backoff: { initialMs: 100, maxMs: 200 } });
    await page.evaluate(() => {
      const { client } = window as unknown as { client: import("@rampart/client").RampartClient };
      client.join("demo");
      client.connect();
    });
    await waitForEvents(page, (e) => count(e, "joined") === 1, "joined");
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.send("demo", "x".repeat(2000)));
    const seen = await waitForEvents(page, (e) => count(e, "too_big") === 1 && count(e, "joined") === 2, "1009, then the rejoin", 30_000);
    expect(seen.find((x) => x.ev === "disconnected")!.e.code).toBe(1009);
    await new Promise((r) => setTimeout(r, 1000));
    expect(count(await events(page), "too_big")).toBe(1);
    expect(gw.security("message_too_big")).toHaveLength(1);
    await page.evaluate(() => (window as unknown as { client: import("@rampart/client").RampartClient }).client.close());
    await page.close();
  });
});
