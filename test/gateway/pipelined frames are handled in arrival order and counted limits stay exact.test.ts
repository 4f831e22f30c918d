import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { TestClient, withTimeout, type Frame } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { startRedis, type TestRedis } from "./support/redis.js";
import { token } from "./support/tokens.js";

/**
 * A client may pipeline: send frames without waiting for answers. Every frame of one connection must
 * be handled as if the client had waited for the previous answer. Each test sends its frames in ONE
 * TCP write (`pipeline` corks the socket), so the gateway has them all before it answers any.
 */

const rooms = (n: number, prefix = "r") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Wait until `count` frames of `type` arrived, then a quiet moment, and return them (bounded). */
async function collect(client: TestClient, type: string, count: number, timeoutMs = 10_000): Promise<Frame[]> {
  const deadline = Date.now() + timeoutMs;
  while (client.taken(type).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  return client.taken(type);
}

function orderingCases(gateway: () => TestGateway, label: string) {
  it(`${label}: 25 pipelined joins end in exactly MAX_ROOMS_PER_CONNECTION rooms, answered in order`, async () => {
    const c = await TestClient.authed(gateway().wsUrl, await token({ sub: `piper-${label}`, rooms: ["*"] }));
    c.pipeline(rooms(25).map((room) => ({ type: "join", room })));
    const answers: Frame[] = [];
    for (let i = 0; i < 25; i++) answers.push(await c.next());
    expect(answers.slice(0, 20).map((f) => [f.type, f.room])).toEqual(rooms(20).map((r) => ["joined", r]));
    expect(answers.slice(20)).toEqual(Array(5).fill({ type: "error", code: "FORBIDDEN" }));
    c.close();
  });

  it(`${label}: a join immediately followed by a message to that room is never FORBIDDEN`, async () => {
    const c = await TestClient.authed(gateway().wsUrl, await token({ sub: `joiner-${label}`, rooms: ["*"] }));
    const frames = rooms(10, "jm").flatMap((room) => [{ type: "join", room }, { type: "message", room, text: `hi ${room}` }]);
    c.pipeline(frames);
    const messages = await collect(c, "message", 10);
    expect(c.taken("error")).toEqual([]);
    expect(messages.map((m) => m.room)).toEqual(rooms(10, "jm"));
    expect(c.taken("joined").map((j) => j.room)).toEqual(rooms(10, "jm"));
    c.close();
  });

  it(`${label}: a reauth immediately followed by a join uses the new token's rooms, and a narrowing reauth applies to the next message`, async () => {
    const sub = `reauth-${label}`;
    const c = await TestClient.authed(gateway().wsUrl, await token({ sub, rooms: ["old"] }));
    c.pipeline([{ type: "reauth", token: await token({ sub, rooms: ["old", "new"] }) }, { type: "join", room: "new" }]);
    expect((await c.next()).type).toBe("reauth_ok");
    expect(await c.next()).toMatchObject({ type: "joined", room: "new" });

    c.pipeline([{ type: "reauth", token: await token({ sub, rooms: ["old"] }) }, { type: "message", room: "new", text: "after narrowing" }]);
    expect(await c.next()).toEqual({ type: "left", room: "new" });
    expect((await c.next()).type).toBe("reauth_ok");
    expect(await c.next()).toEqual({ type: "error", code: "FORBIDDEN" });
    c.close();
  });

  it(`${label}: more pipelined frames than the bounded queue holds close the connection with RATE_LIMITED/4008 and a security event`, async () => {
    const gw = gateway();
    const sub = `flooder-${label}`;
    const c = await TestClient.authed(gw.wsUrl, await token({ sub, rooms: ["*"] }));
    c.pipeline(rooms(200, "q").map((room) => ({ type: "join", room })));
    const closed = await withTimeout(c.closed, 10_000, "close");
    expect(closed.code).toBe(4008);
    expect(c.taken("error")).toContainEqual({ type: "error", code: "RATE_LIMITED" });
    expect(gw.security("rate_limited").some((l) => l.scope === "queue" && l.userId === sub)).toBe(true);
  });
}

describe("pipelined frames on one instance (memory)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ MSG_PER_MINUTE: "100000", MAX_ROOMS_PER_CONNECTION: "20" });
  });
  afterAll(() => gw.close());
  orderingCases(() => gw, "memory");
});

describeWithBinaries(["redis-server"])("pipelined frames and counted limits across two instances on one real Redis", () => {
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, MSG_PER_MINUTE: "100000", MAX_ROOMS_PER_CONNECTION: "20", MAX_CONN_PER_USER: "3" };
    [a, b] = await Promise.all([startTestGateway(env), startTestGateway(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });
  orderingCases(() => a, "redis");

  it("joins on instance A and messages pipelined on instance B reach each other's members in order", async () => {
    const watcher = await TestClient.authed(a.wsUrl, await token({ sub: "watcher", rooms: ["*"] }));
    await watcher.join("xr");
    const c = await TestClient.authed(b.wsUrl, await token({ sub: "talker", rooms: ["*"] }));
    c.pipeline([{ type: "join", room: "xr" }, ...Array.from({ length: 10 }, (_, i) => ({ type: "message", room: "xr", text: `m${i}` }))]);
    const got = await collect(watcher, "message", 10);
    expect(got.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(c.taken("error")).toEqual([]);
    watcher.close();
    c.close();
  });

  it("MAX_CONN_PER_USER is exact when 10 connections of one user authenticate at once on two instances", async () => {
    const jwt = await token({ sub: "crowd" });
    const clients = Array.from({ length: 10 }, (_, i) => TestClient.connect((i % 2 ? a : b).wsUrl));
    await Promise.all(clients.map((c) => c.opened));
    for (const c of clients) c.send({ type: "auth", token: jwt });
    const verdicts = await Promise.all(clients.map((c) => c.next()));
    expect(verdicts.filter((f) => f.type === "auth_ok")).toHaveLength(3);
    expect(verdicts.filter((f) => f.type === "error" && f.code === "RATE_LIMITED")).toHaveLength(7);
    for (const c of clients) c.close();
  });
});

describeWithBinaries(["redis-server"])("MSG_PER_MINUTE is exact under pipelining across two instances", () => {
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, MSG_PER_MINUTE: "30", MAX_CONN_PER_USER: "5" };
    [a, b] = await Promise.all([startTestGateway(env), startTestGateway(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("two connections of one user on two instances pipelining 25 messages each get exactly 30 frames through", async () => {
    const watcher = await TestClient.authed(a.wsUrl, await token({ sub: "counter", rooms: ["*"] }));
    await watcher.join("budget");
    const jwt = await token({ sub: "spender", rooms: ["*"] });
    const [onA, onB] = await Promise.all([TestClient.authed(a.wsUrl, jwt), TestClient.authed(b.wsUrl, jwt)]);
    await onA.join("budget"); // frame 1 of 30
    await onB.join("budget"); // frame 2 of 30
    const burst = (tag: string) => Array.from({ length: 25 }, (_, i) => ({ type: "message", room: "budget", text: `${tag}${i}` }));
    onA.pipeline(burst("a"));
    onB.pipeline(burst("b"));
    // 52 frames against a budget of 30: at least one of the two runs out and is closed.
    const first = await withTimeout(Promise.race([onA.closed, onB.closed]), 10_000, "a close");
    expect(first.code).toBe(4008);
    const delivered = await collect(watcher, "message", 28);
    expect(delivered).toHaveLength(28);
    // Each connection's share arrives in its own order.
    for (const tag of ["a", "b"]) {
      const mine = delivered.map((m) => String(m.text)).filter((t) => t.startsWith(tag)).map((t) => Number(t.slice(1)));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    watcher.close();
    onA.close();
    onB.close();
  });
});
