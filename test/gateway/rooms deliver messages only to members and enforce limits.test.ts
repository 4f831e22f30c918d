import { createHmac } from "node:crypto";
import { TokenVerifier } from "livekit-server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient, withTimeout } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";

const LIVEKIT = { LIVEKIT_URL: "wss://livekit.rampart.test", LIVEKIT_API_KEY: "APIrampartTest", LIVEKIT_API_SECRET: "livekit-secret-0123456789-0123456789-abc" };
const TURN = { TURN_SECRET: "turn-secret-0123456789-0123456789-abcdef", TURN_URIS: "turn:turn.rampart.test:3478?transport=udp,turns:turn.rampart.test:5349", TURN_TTL_SECONDS: "600" };

describe("join, message, leave", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ ...LIVEKIT, ...TURN, MSG_PER_MINUTE: "1000", MAX_CONN_PER_USER: "2" });
  });
  afterAll(() => gw.close());

  it("joins a granted room with a room-scoped LiveKit token and TURN credentials", async () => {
    const c = await TestClient.authed(gw.wsUrl, await token({ sub: "alice", rooms: ["demo"], expiresIn: 3000 }));
    const joined = await c.join("demo");
    expect(joined).toMatchObject({ type: "joined", room: "demo", livekit: { url: LIVEKIT.LIVEKIT_URL } });
    const grants = await new TokenVerifier(LIVEKIT.LIVEKIT_API_KEY, LIVEKIT.LIVEKIT_API_SECRET).verify((joined.livekit as { token: string }).token);
    expect(grants.sub).toBe("alice");
    expect(grants.video).toMatchObject({ room: "demo", roomJoin: true });
    expect(grants.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(600);
    await expect(new TokenVerifier(LIVEKIT.LIVEKIT_API_KEY, "wrong-secret-wrong-secret-wrong-secret").verify((joined.livekit as { token: string }).token)).rejects.toThrow();

    const [ice] = joined.iceServers as { urls: string[]; username: string; credential: string }[];
    expect(ice!.urls).toEqual(TURN.TURN_URIS.split(","));
    const [expiry, user] = ice!.username.split(":");
    expect(user).toBe("alice");
    const ttl = Number(expiry) - Math.floor(Date.now() / 1000);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(ice!.credential).toBe(createHmac("sha1", TURN.TURN_SECRET).update(ice!.username).digest("base64"));
    expect(JSON.stringify(joined)).not.toContain(TURN.TURN_SECRET);
    c.close();
  });

  it("refuses rooms the token does not grant with FORBIDDEN, and '*' grants any room", async () => {
    const c = await TestClient.authed(gw.wsUrl, await token({ sub: "bob", rooms: ["demo"] }));
    expect(await c.join("secret-room")).toEqual({ type: "error", code: "FORBIDDEN" });
    const star = await TestClient.authed(gw.wsUrl, await token({ sub: "carol", rooms: ["*"] }));
    expect(await star.join("secret-room")).toMatchObject({ type: "joined", room: "secret-room" });
    c.close();
    star.close();
  });

  it("delivers a message to every member of the room and to no one else", async () => {
    const alice = await TestClient.authed(gw.wsUrl, await token({ sub: "alice", rooms: ["demo", "other"] }));
    const bob = await TestClient.authed(gw.wsUrl, await token({ sub: "bob", rooms: ["demo"] }));
    const eve = await TestClient.authed(gw.wsUrl, await token({ sub: "eve", rooms: ["other"] }));
    await alice.join("demo");
    await bob.join("demo");
    await eve.join("other");
    const before = Date.now();
    alice.send({ type: "message", room: "demo", text: "hello demo" });
    const got = await bob.next("message");
    expect(got).toMatchObject({ type: "message", room: "demo", from: "alice", text: "hello demo" });
    expect(got.ts).toBeGreaterThanOrEqual(before);
    expect((await alice.next("message")).text).toBe("hello demo");
    await new Promise((r) => setTimeout(r, 100));
    expect(eve.frames.filter((f) => f.type === "message")).toEqual([]);

    // Not joined: refused, even though the token grants the room.
    alice.send({ type: "message", room: "other", text: "sneaky" });
    expect(await alice.next("error")).toEqual({ type: "error", code: "FORBIDDEN" });

    bob.send({ type: "leave", room: "demo" });
    expect(await bob.next("left")).toEqual({ type: "left", room: "demo" });
    alice.send({ type: "message", room: "demo", text: "after leave" });
    await alice.next("message");
    await new Promise((r) => setTimeout(r, 100));
    expect(bob.frames.filter((f) => f.type === "message")).toEqual([]);
    for (const c of [alice, bob, eve]) c.close();
  });

  it("answers BAD_REQUEST to invalid JSON, unknown types, extra fields and over-long text, and keeps the connection", async () => {
    const c = await TestClient.authed(gw.wsUrl, await token({ sub: "dave" }));
    await c.join("demo");
    for (const bad of ["{", "[]", '"x"', JSON.stringify({ type: "nope" }), JSON.stringify({ type: "join", room: "demo", admin: true }), JSON.stringify({ type: "join", room: "../etc" }), JSON.stringify({ type: "message", room: "demo", text: "x".repeat(2001) })]) {
      c.send(bad);
      expect(await c.next(), bad.slice(0, 40)).toEqual({ type: "error", code: "BAD_REQUEST" });
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next()).toEqual({ type: "error", code: "BAD_REQUEST" });
    c.send({ type: "message", room: "demo", text: "x".repeat(2000) });
    expect((await c.next("message")).text).toHaveLength(2000);
    c.close();
  });

  it("refuses a user's connection beyond MAX_CONN_PER_USER with RATE_LIMITED and close 4008", async () => {
    const jwt = await token({ sub: "frank" });
    const a = await TestClient.authed(gw.wsUrl, jwt);
    const b = await TestClient.authed(gw.wsUrl, jwt);
    const c = TestClient.connect(gw.wsUrl);
    await c.opened;
    c.send({ type: "auth", token: jwt });
    expect(await c.next()).toEqual({ type: "error", code: "RATE_LIMITED" });
    expect((await withTimeout(c.closed, 3000, "close")).code).toBe(4008);
    expect(gw.security("conn_cap").at(-1)).toMatchObject({ scope: "user", userId: "frank" });
    a.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 50));
    (await TestClient.authed(gw.wsUrl, jwt)).close();
    b.close();
  });
});

describe("floods, size and liveness", () => {
  it("closes 4008 with RATE_LIMITED when a user exceeds MSG_PER_MINUTE", async () => {
    const gw = await startTestGateway({ MSG_PER_MINUTE: "10" });
    try {
      const c = await TestClient.authed(gw.wsUrl, await token({ sub: "flooder" }));
      await c.join("demo");
      for (let i = 0; i < 30; i++) c.send({ type: "message", room: "demo", text: `m${i}` });
      expect(await c.next("error")).toEqual({ type: "error", code: "RATE_LIMITED" });
      expect((await withTimeout(c.closed, 3000, "close")).code).toBe(4008);
      expect(c.frames.filter((f) => f.type === "message").length + 1).toBeLessThanOrEqual(10);
      expect(gw.security("rate_limited").at(-1)).toMatchObject({ scope: "message", userId: "flooder" });
      expect(await (await fetch(gw.metricsUrl)).text()).toMatch(/rate_limit_hits_total\{scope="message"\} 1/);
    } finally {
      await gw.close();
    }
  });

  it("closes 1009 on a frame over MAX_MESSAGE_BYTES, before or after auth", async () => {
    const gw = await startTestGateway({ MAX_MESSAGE_BYTES: "1024" });
    try {
      const pre = TestClient.connect(gw.wsUrl);
      await pre.opened;
      pre.send("x".repeat(1025));
      expect((await withTimeout(pre.closed, 3000, "close")).code).toBe(1009);
      const post = await TestClient.authed(gw.wsUrl, await token());
      post.send({ type: "message", room: "demo", text: "y".repeat(1100) });
      expect((await withTimeout(post.closed, 3000, "close")).code).toBe(1009);
      expect(gw.security("message_too_big").length).toBe(2);
    } finally {
      await gw.close();
    }
  });

  it("terminates a peer that does not answer pings, and keeps one that does", async () => {
    const gw = await startTestGateway({ HEARTBEAT_MS: "200" });
    try {
      const silent = TestClient.connect(gw.wsUrl, { autoPong: false });
      const lively = await TestClient.authed(gw.wsUrl, await token());
      await silent.opened;
      silent.send({ type: "auth", token: await token({ sub: "silent" }) });
      await silent.next("auth_ok");
      const closed = await withTimeout(silent.closed, 2000, "heartbeat termination");
      expect(closed.code).toBe(1006); // terminated, no close frame
      expect(lively.ws.readyState).toBe(lively.ws.OPEN);
      lively.close();
    } finally {
      await gw.close();
    }
  });

  it("disconnects a client whose send buffer stays over MAX_BUFFERED_BYTES, and not the others", async () => {
    const gw = await startTestGateway({ MAX_BUFFERED_BYTES: "65536", SLOW_CONSUMER_MS: "300", MSG_PER_MINUTE: "100000", HEARTBEAT_MS: "600000" });
    try {
      const slow = await TestClient.authed(gw.wsUrl, await token({ sub: "slow" }));
      const reader = await TestClient.authed(gw.wsUrl, await token({ sub: "reader" }));
      const sender = await TestClient.authed(gw.wsUrl, await token({ sub: "sender" }));
      for (const c of [slow, reader, sender]) await c.join("demo");
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading: the kernel buffers fill up
      let readerCount = 0;
      reader.ws.on("message", () => readerCount++);
      const text = "z".repeat(2000);
      const deadline = Date.now() + 15_000;
      let sent = 0;
      // Bounded: at most 20,000 messages (40 MB) or 15 s.
      while (slow.ws.readyState === slow.ws.OPEN && sent < 20_000 && Date.now() < deadline) {
        for (let i = 0; i < 200; i++) sender.send({ type: "message", room: "demo", text });
        sent += 200;
        await new Promise((r) => setTimeout(r, 20));
        if (gw.security("forced_close").some((l) => l.reason === "slow_consumer")) break;
      }
      const dropped = gw.security("forced_close").find((l) => l.reason === "slow_consumer");
      expect(dropped).toMatchObject({ userId: "slow", charged: "user" });
      expect(reader.ws.readyState).toBe(reader.ws.OPEN);
      expect(readerCount).toBeGreaterThan(0);
      for (const c of [slow, reader, sender]) c.close();
    } finally {
      await gw.close();
    }
  });

  it("closes every connection with 1001 on graceful shutdown and stops accepting", async () => {
    const gw = await startTestGateway();
    const a = await TestClient.authed(gw.wsUrl, await token({ sub: "a" }));
    const b = TestClient.connect(gw.wsUrl);
    await b.opened;
    const closing = gw.close();
    expect((await withTimeout(a.closed, 3000, "close a")).code).toBe(1001);
    expect((await withTimeout(b.closed, 3000, "close b")).code).toBe(1001);
    await closing;
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
  });
});
