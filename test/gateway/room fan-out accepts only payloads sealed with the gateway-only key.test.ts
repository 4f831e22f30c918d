import { createClient } from "redis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sealFanout } from "../../gateway/src/ws/fanout-mac.js";
import { describeWithBinaries } from "../support/testbed.js";
import { TestClient } from "./support/client.js";
import { FANOUT_KEY, startTestGateway, type TestGateway } from "./support/gateway.js";
import { startRedis, type TestRedis } from "./support/redis.js";
import { token } from "./support/tokens.js";

/**
 * Whoever can PUBLISH on the gateway's room channels (here: a raw client with the gateway's own Redis
 * credentials, the worst case; other services' users are refused by the ACL, as the Redis ACL test
 * on the real server proves) still cannot make the gateway deliver a frame: payloads need the MAC under
 * FANOUT_KEY, which only gateways hold, bound to the channel they travel on.
 */
describeWithBinaries(["redis-server"])("room fan-out MAC on a real Redis", () => {
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;
  let raw: ReturnType<typeof createClient>;

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startTestGateway({ REDIS_URL: redis.url }), startTestGateway({ REDIS_URL: redis.url })]);
    raw = createClient({ url: redis.url });
    raw.on("error", () => undefined);
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.close().catch(() => undefined);
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  const rejected = async (gw: TestGateway, reason: string) => {
    const text = await (await fetch(gw.metricsUrl)).text();
    const line = text.split("\n").find((l) => l.startsWith(`fanout_rejected_total{reason="${reason}"}`));
    return line ? Number(line.split(" ")[1]) : 0;
  };

  it("delivers sealed messages between instances, and drops and counts forged, foreign-key and replayed-into-another-room payloads", async () => {
    const member = await TestClient.authed(b.wsUrl, await token({ sub: "member", rooms: ["*"] }));
    await member.join("vault");
    await member.join("lobby");
    const sender = await TestClient.authed(a.wsUrl, await token({ sub: "sender", rooms: ["*"] }));
    await sender.join("vault");
    sender.send({ type: "message", room: "vault", text: "genuine" });
    expect(await member.next("message")).toMatchObject({ from: "sender", text: "genuine" });

    const forged = JSON.stringify({ type: "message", room: "vault", from: "admin", text: "forged", ts: Date.now() });
    const before = { malformed: await rejected(b, "malformed"), badMac: await rejected(b, "bad_mac") };
    // A bare frame, as the gateway once accepted it.
    expect(await raw.publish("gateway:room:vault", forged)).toBeGreaterThan(0);
    // Sealed under another key.
    await raw.publish("gateway:room:vault", sealFanout(new TextEncoder().encode("not-the-fanout-key-0123456789-0123456789"), "gateway:room:vault", forged));
    // Sealed with the right key for another channel, replayed into this one.
    await raw.publish("gateway:room:vault", sealFanout(new TextEncoder().encode(FANOUT_KEY), "gateway:room:lobby", forged));

    sender.send({ type: "message", room: "vault", text: "after the forgeries" });
    expect(await member.next("message")).toMatchObject({ text: "after the forgeries" });
    expect(member.taken("message")).toEqual([]);
    expect(await rejected(b, "malformed")).toBe(before.malformed + 1);
    expect(await rejected(b, "bad_mac")).toBe(before.badMac + 2);
    member.close();
    sender.close();
  });
});
