/**
 * @rampart/client given several gateway URLs, in Node against real gateways: after a close that says the
 * server is unavailable it moves to the next URL (a dead address, a graceful 1001 shutdown), re-authenticates
 * and rejoins its rooms there; the gateway's verdict on the client itself (4003) does not make it move.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { FAILOVER_CODES, RampartClient, type ClientEvents, type WebSocketLike } from "@rampart/client";
import { startTestGateway, type TestGateway } from "../gateway/support/gateway.js";
import { freePort } from "../gateway/support/ports.js";
import { TestClient } from "../gateway/support/client.js";
import { ALLOWED_ORIGIN, token } from "../gateway/support/tokens.js";

const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocketLike;
const createSocket = (url: string) => new NodeWebSocket(url, { headers: { origin: ALLOWED_ORIGIN } });

let first: TestGateway;
let second: TestGateway;
beforeAll(async () => {
  [first, second] = await Promise.all([startTestGateway(), startTestGateway()]);
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
});

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

it("moves past a URL where nothing listens (1006) to the next one, within the first backoff window", async () => {
  const dead = `ws://127.0.0.1:${await freePort()}/ws`;
  const client = new RampartClient({ url: [dead, second.wsUrl], getToken: () => token({ sub: "skips-dead" }), createSocket, backoff: { initialMs: 100 } });
  const closed = next(client, "disconnected");
  const ok = next(client, "auth_ok");
  client.connect();
  const close = await closed;
  expect(close.code).toBe(1006);
  expect(close.retryInMs).toBeLessThanOrEqual(100);
  expect(client.url).toBe(second.wsUrl);
  expect(await ok).toMatchObject({ userId: "skips-dead" });
  client.close();
});

it("after its gateway shuts down (1001) reconnects to the next URL, re-authenticates, rejoins and delivers what was queued", async () => {
  const leaving = await startTestGateway();
  const watcher = await TestClient.authed(second.wsUrl, await token({ sub: "watcher" }));
  await watcher.join("demo");
  let tokens = 0;
  const client = new RampartClient({
    url: [leaving.wsUrl, second.wsUrl],
    getToken: () => (tokens++, token({ sub: "mover" })),
    createSocket,
    backoff: { initialMs: 100 },
  });
  client.join("demo");
  const joined = next(client, "joined");
  client.connect();
  await joined;
  expect(client.url).toBe(leaving.wsUrl);

  const moved = next(client, "disconnected");
  const rejoined = next(client, "joined", (j) => j.room === "demo");
  await leaving.close();
  expect((await moved).code).toBe(1001);
  client.send("demo", "queued while moving");
  await rejoined;
  expect(client.url).toBe(second.wsUrl);
  expect(client.state).toBe("open");
  expect(tokens).toBe(2); // a fresh token for the new connection
  expect((await watcher.next("message")).text).toBe("queued while moving");
  client.close();
  watcher.close();
});

it("stays on its URL after the gateway's verdict on the client itself (4003), and lists the codes it moves on", async () => {
  const client = new RampartClient({ url: [first.wsUrl, second.wsUrl], getToken: () => "not-a-token", createSocket });
  const rejected = next(client, "token_rejected");
  client.connect();
  expect((await rejected).code).toBe(4003);
  expect(client.url).toBe(first.wsUrl);
  expect(client.state).toBe("stopped");
  expect([...FAILOVER_CODES].sort()).toEqual([1001, 1006, 1011, 1012, 1013, 1014]);
});

it("refuses an empty URL list and checks every URL in it", () => {
  const getToken = () => "x";
  expect(() => new RampartClient({ url: [] as unknown as [string], getToken })).toThrow(/non-empty array/);
  expect(() => new RampartClient({ url: [first.wsUrl, "https://example.com/ws"], getToken })).toThrow(/must be ws: or wss:, not https:/);
  expect(() => new RampartClient({ url: [first.wsUrl, `${second.wsUrl}?jwt=abc`], getToken })).toThrow(/carries a "jwt" parameter/);
});
