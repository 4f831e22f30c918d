import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { TestClient, withTimeout } from "./support/client.js";
import { startGatewayProcess, waitForStatus, type GatewayProcess } from "./support/gateway.js";
import { startRedis, type TestRedis } from "./support/redis.js";
import { token } from "./support/tokens.js";
import { postDevice, writeDevicesFile } from "./support/devices.js";

describeWithBinaries(["redis-server"])("two gateway processes on one real Redis", () => {
  let redis: TestRedis;
  let a: GatewayProcess;
  let b: GatewayProcess;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, MAX_CONN_PER_USER: "2", MAX_CONN_PER_IP: "1000", MSG_PER_MINUTE: "8", DEVICES_FILE: writeDevicesFile(), DEVICE_PER_MINUTE: "4" };
    [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    await Promise.all([waitForStatus(`${a.url}/readyz`, 200), waitForStatus(`${b.url}/readyz`, 200)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it("fans a message out to the room's members on the other instance", async () => {
    const alice = await TestClient.authed(a.wsUrl, await token({ sub: "alice" }));
    const bob = await TestClient.authed(b.wsUrl, await token({ sub: "bob" }));
    await alice.join("demo");
    await bob.join("demo");
    alice.send({ type: "message", room: "demo", text: "across instances" });
    expect(await bob.next("message")).toMatchObject({ from: "alice", text: "across instances" });
    expect(await alice.next("message")).toMatchObject({ text: "across instances" }); // exactly once, via Redis
    await new Promise((r) => setTimeout(r, 150));
    expect(alice.frames.filter((f) => f.type === "message")).toEqual([]);
    alice.close();
    bob.close();
  });

  it("delivers device events posted to one instance to members on the other", async () => {
    const bob = await TestClient.authed(b.wsUrl, await token({ sub: "bob2" }));
    await bob.join("demo");
    expect((await postDevice(a.url, { text: "from a device" })).status).toBe(202);
    expect(await bob.next("message")).toMatchObject({ from: "bot:sensor-1", text: "from a device" });
    bob.close();
  });

  it("enforces MAX_CONN_PER_USER across instances", async () => {
    const jwt = await token({ sub: "carol" });
    const one = await TestClient.authed(a.wsUrl, jwt);
    const two = await TestClient.authed(b.wsUrl, jwt);
    const three = TestClient.connect(a.wsUrl);
    await three.opened;
    three.send({ type: "auth", token: jwt });
    expect(await three.next()).toEqual({ type: "error", code: "RATE_LIMITED" });
    expect((await withTimeout(three.closed, 3000, "close")).code).toBe(4008);
    one.close();
    two.close();
  });

  it("shares MSG_PER_MINUTE and device limits across instances", async () => {
    const jwt = await token({ sub: "dave" });
    const onA = await TestClient.authed(a.wsUrl, jwt);
    const onB = await TestClient.authed(b.wsUrl, jwt);
    await onA.join("demo"); // 1
    await onB.join("demo"); // 2
    for (let i = 0; i < 3; i++) onA.send({ type: "message", room: "demo", text: `a${i}` }); // 3..5
    for (let i = 0; i < 3; i++) onB.send({ type: "message", room: "demo", text: `b${i}` }); // 6..8
    await onB.next("message");
    onB.send({ type: "message", room: "demo", text: "one too many" }); // 9 > 8
    expect((await withTimeout(onB.closed, 3000, "close")).code).toBe(4008);
    onA.close();

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await postDevice(a.url, {})).status);
    for (let i = 0; i < 2; i++) statuses.push((await postDevice(b.url, {})).status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(3); // 4 per minute; one was used above
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  it("rejects a replayed device nonce on the other instance", async () => {
    const first = await postDevice(a.url, { deviceId: "sensor-ops", room: "ops", nonce: "cross-instance-nonce-01" });
    expect(first.status).toBe(202);
    const replay = await fetch(new URL(first.request.path, b.url), { method: "POST", headers: first.request.headers, body: first.request.body });
    expect(replay.status).toBe(401);
  });

  it("needed nothing its Redis ACL user is not granted (Rampart's rendered redis.conf and users.acl)", async () => {
    expect(await redis.aclDenials()).toEqual([]);
  });

  it("keeps working when Redis stops: readiness reports it, limits fall back to memory, nothing crashes", async () => {
    const jwt = await token({ sub: "erin" });
    const before = await TestClient.authed(a.wsUrl, jwt);
    await before.join("demo");
    expect(await (await fetch(`${a.url}/healthz`)).json()).toEqual({ status: "ok", redis: "up" });
    await redis.stop();
    await waitForStatus(`${a.url}/readyz`, 503);
    await waitForStatus(`${b.url}/readyz`, 503);
    expect(await (await fetch(`${a.url}/readyz`)).json()).toMatchObject({ redis: "down" });
    // Liveness stays 200 (a restart would not bring Redis back) but reports the degradation.
    const health = await fetch(`${a.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "degraded", redis: "down" });

    // The existing connection still works; the insurance limiter still closes a flood.
    before.send({ type: "message", room: "demo", text: "no redis" });
    expect(await before.next("message")).toMatchObject({ text: "no redis" });
    for (let i = 0; i < 20; i++) before.send({ type: "message", room: "demo", text: `flood ${i}` });
    expect((await withTimeout(before.closed, 5000, "flood close")).code).toBe(4008);

    // New connections authenticate and caps still hold per instance.
    const jwt2 = await token({ sub: "frank" });
    const x = await TestClient.authed(a.wsUrl, jwt2);
    const y = await TestClient.authed(a.wsUrl, jwt2);
    const z = TestClient.connect(a.wsUrl);
    await z.opened;
    z.send({ type: "auth", token: jwt2 });
    expect(await z.next()).toEqual({ type: "error", code: "RATE_LIMITED" });
    x.close();
    y.close();

    // Device limits keep counting (4/minute from the memory insurance).
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await postDevice(b.url, { deviceId: "sensor-ops", room: "ops" })).status);
    expect(statuses).toContain(429);

    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  });
});
