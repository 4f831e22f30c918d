/** @rampart/client in Node (22+), on Node's own WebSocket, against the real gateway. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { RampartClient, type ClientEvents, type WebSocketLike } from "@rampart/client";
import { startTestGateway, type TestGateway } from "../gateway/support/gateway.js";
import { ALLOWED_ORIGIN, token } from "../gateway/support/tokens.js";

// Node's own WebSocket takes a WebSocketInit ({ headers }); the DOM typings this test is checked with do not describe it.
const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocketLike;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

/** Resolves with the first event of `name` that matches, or rejects after a generous bound. */
function next<K extends keyof ClientEvents>(client: RampartClient, name: K, match: (e: ClientEvents[K]) => boolean = () => true, timeoutMs = 20_000): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${timeoutMs} ms`)), timeoutMs);
    const off = client.on(name, (e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

it("authenticates in the first frame, joins and round-trips a message queued before connect()", async () => {
  const client = new RampartClient({
    url: gw.wsUrl,
    getToken: () => token({ sub: "node-user" }),
    createSocket: (url) => new NodeWebSocket(url, { headers: { origin: ALLOWED_ORIGIN } }),
  });
  client.join("demo");
  client.send("demo", "hello from node");
  const ok = next(client, "auth_ok");
  const echoed = next(client, "message", (m) => m.text === "hello from node");
  client.connect();
  expect(await ok).toMatchObject({ userId: "node-user" });
  expect(await echoed).toMatchObject({ room: "demo", from: "node-user" });
  expect(client.state).toBe("open");
  client.close();
  expect(client.state).toBe("stopped");
  expect(gw.security("token_in_url")).toEqual([]);
});

it("is refused without an Origin (Node's WebSocket sends none by default) and keeps retrying with backoff", async () => {
  const client = new RampartClient({ url: gw.wsUrl, getToken: () => token({ sub: "no-origin" }), backoff: { initialMs: 50, maxMs: 100 } });
  const first = next(client, "disconnected");
  client.connect();
  const closed = await first;
  expect(closed.retryInMs).toBeGreaterThanOrEqual(0);
  expect(closed.retryInMs).toBeLessThanOrEqual(50);
  // The retry is a timer, so this listener is in place before the second attempt ends.
  const again = await next(client, "disconnected");
  expect(again.retryInMs).toBeLessThanOrEqual(100);
  client.close();
  expect(gw.security("origin_rejected").some((l) => l.origin === "(none)")).toBe(true);
});

it("refuses a URL that carries a token, and nonsensical limits, before anything is sent", () => {
  for (const param of ["token", "access_token", "JWT"]) {
    expect(() => new RampartClient({ url: `${gw.wsUrl}?${param}=abc`, getToken: () => "x" })).toThrow(/tokens go in the first frame only/);
  }
  expect(() => new RampartClient({ url: "https://example.com/ws", getToken: () => "x" })).toThrow(/must be ws: or wss:/);
  expect(() => new RampartClient({ url: gw.wsUrl, getToken: () => "x", backoff: { maxMs: -1 } })).toThrow(/maxMs must be a finite number >= 0, not -1/);
  expect(() => new RampartClient({ url: gw.wsUrl, getToken: () => "x", maxQueued: Number.NaN })).toThrow(/maxQueued must be a finite number/);
});
