/**
 * Redis stopped for 10 s, then started again, under two gateway instances (`npm start` child processes)
 * carrying a bounded load: members on both instances messaging one room, new clients connecting,
 * authenticating, joining and messaging (and a forged token) every few hundred ms, and a flood from one
 * new client per instance during the outage. Redis is Rampart's rendered configuration and ACL.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { startGatewayProcess, type GatewayProcess } from "../gateway/support/gateway.js";
import { TestClient, withTimeout } from "../gateway/support/client.js";
import { token } from "../gateway/support/tokens.js";
import { postDevice, writeDevicesFile } from "../gateway/support/devices.js";
import { REDIS_RECONNECT_MAX_MS } from "../../gateway/src/limits/redis.js";
import { restartableRedis, type RestartableRedis } from "./support/restartable-redis.js";
import { countByPath, Ledger, Member, runLoad } from "./support/room-load.js";
import { watchHealth } from "./support/health-watch.js";
import { ms, printFigures, sleep, until } from "./support/figures.js";

const OUTAGE_MS = 10_000;
const MSG_PER_MINUTE = 300;
const MEMBERS_PER_INSTANCE = 6;
const TICK_MS = 200;
/** Fan-out across instances must resume this soon after Redis accepts connections again: the gateway's longest reconnect wait, plus connecting and resubscribing on a loaded machine. */
const RESUME_BOUND_MS = REDIS_RECONNECT_MAX_MS + 3000;
const ROOM = "load";
/** The gateway's default MAX_CONN_PER_USER. */
const MAX_CONN_PER_USER = 5;

describeWithBinaries(["redis-server"])("Redis stopped for 10 s under two loaded gateway instances", () => {
  let redis: RestartableRedis;
  const gw: Record<"a" | "b", GatewayProcess> = {} as never;

  beforeAll(async () => {
    redis = await restartableRedis();
    await redis.start();
    const env = { REDIS_URL: redis.url, MSG_PER_MINUTE: String(MSG_PER_MINUTE), DEVICES_FILE: writeDevicesFile() };
    [gw.a, gw.b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([gw.a?.stop(), gw.b?.stop()]);
    await redis?.remove();
  });

  it("no crash or hang, /healthz degrades and recovers, limits and auth hold, fan-out resumes in bound, same-instance delivery loses nothing", async () => {
    const ledger = new Ledger();
    const members: Member[] = [];
    for (const name of ["a", "b"] as const) {
      for (let i = 0; i < MEMBERS_PER_INSTANCE; i++) members.push(await Member.join(ledger, `member-${name}${i}`, name, gw[name].wsUrl, ROOM));
    }
    // One user at its connection cap across both instances: 3 on a, 2 on b.
    const cappedToken = await token({ sub: "capped", rooms: [] });
    const capped = [];
    for (const name of ["a", "a", "a", "b", "b"] as const) capped.push(await TestClient.authed(gw[name].wsUrl, cappedToken));
    const capBefore = await admitted(gw.a.wsUrl, cappedToken, 1);
    // A signed device request accepted before the outage: its nonce must stay spent through it.
    const device = await postDevice(gw.a.url, { nonce: "outage-nonce-0001" });
    const replay = (base: string) => fetch(new URL(device.request.path, base), { method: "POST", headers: device.request.headers, body: device.request.body }).then((r) => r.status);

    const health = { a: watchHealth(gw.a.url), b: watchHealth(gw.b.url) };
    const churn = churnLoop(gw);
    const load = runLoad(members, ROOM, TICK_MS, 200);

    await sleep(3000);
    const stopSignal = performance.now();
    await redis.stop();
    const exited = performance.now();
    const degradedAt = { a: 0, b: 0 };
    for (const name of ["a", "b"] as const) {
      degradedAt[name] = await until(`gateway ${name} /healthz reports degraded`, () => health[name].samples.some((s) => s.at > exited && s.state === "degraded"), 8000);
    }

    // During the outage: a new client on each instance floods; the in-memory insurance limiter cuts it off.
    const floods = await Promise.all((["a", "b"] as const).map((name) => flood(gw[name].wsUrl, `flooder-${name}`)));
    // Caps count per instance now: each admits the capped user up to the cap, counting what it already holds.
    const capOutage = { a: await admitted(gw.a.wsUrl, cappedToken, MAX_CONN_PER_USER), b: await admitted(gw.b.wsUrl, cappedToken, MAX_CONN_PER_USER) };
    await sleep(Math.max(0, exited + OUTAGE_MS - performance.now()));

    const ready = await redis.start();
    const recoveredAt = { a: 0, b: 0 };
    for (const name of ["a", "b"] as const) {
      recoveredAt[name] = await until(`gateway ${name} /healthz reports ok`, () => health[name].samples.some((s) => s.at > ready && s.state === "ok"), RESUME_BOUND_MS + 5000);
    }
    // Resumed when a message sent after Redis returned crossed, in each direction.
    const crossedAfter = (from: string) => {
      const times = [...ledger.sent.values()]
        .filter((s) => s.instance === from && s.at > ready && members.some((m) => m.instance !== from && ledger.delivered(s.id, m.name)))
        .map((s) => s.at);
      return times.length ? Math.min(...times) : undefined;
    };
    await until("fan-out across instances resumes both ways", () => crossedAfter("a") !== undefined && crossedAfter("b") !== undefined, RESUME_BOUND_MS + 5000);
    const resumed = Math.max(crossedAfter("a")!, crossedAfter("b")!);
    await sleep(3000);
    // Redis came back empty: the connections that outlived it must count again, cluster-wide.
    const capAfter = { a: await admitted(gw.a.wsUrl, cappedToken, 1), b: await admitted(gw.b.wsUrl, cappedToken, 1) };
    const replayAfter = await replay(gw.b.url);
    for (const c of capped) c.close();
    load.stop();
    const churned = await churn.stop();
    await sleep(1000); // the last messages in flight
    await Promise.all([health.a.stop(), health.b.stop()]);

    const phaseOf = (at: number) => (at < stopSignal ? "before" : at < ready ? "outage" : at < resumed ? "reconnecting" : "after");
    const counts = countByPath(ledger, members, phaseOf);
    const samples = [...health.a.samples, ...health.b.samples];
    const inOutage = (at: number) => at >= stopSignal && at < ready;
    printFigures(
      "Redis stopped for 10 s (two gateway instances)",
      [["phase", "path", "deliveries due", "delivered", "lost"], ...counts.map((c) => [c.phase, c.path, c.due, c.delivered, c.lost])],
      [
        `load: ${members.length} members (${MEMBERS_PER_INSTANCE} per instance) in one room, one message each per ${TICK_MS} ms; ${ledger.sent.size} messages, ${ledger.duplicates} duplicates`,
        `outage: ${ms(ready - stopSignal)} from SIGTERM to Redis ready again`,
        `/healthz degraded after ${ms(degradedAt.a - exited)} (a), ${ms(degradedAt.b - exited)} (b); ok again ${ms(recoveredAt.a - ready)} (a), ${ms(recoveredAt.b - ready)} (b) after Redis was ready; slowest of ${samples.length} answers ${ms(Math.max(...samples.map((s) => s.tookMs)))}`,
        `fan-out across instances resumed ${ms(resumed - ready)} after Redis was ready (bound ${ms(RESUME_BOUND_MS)})`,
        `flood during the outage: ${floods.map((f) => `${f.echoed} accepted then close ${f.code}`).join(", ")} (MSG_PER_MINUTE ${MSG_PER_MINUTE}, the join counts)`,
        `connection cap (${MAX_CONN_PER_USER} per user; 3 held on a, 2 on b): admitted before ${capBefore}; during the outage a ${capOutage.a}, b ${capOutage.b}; after a ${capAfter.a}, b ${capAfter.b}`,
        `device request accepted on a before the outage (${device.status}), replayed on b after it: ${replayAfter}`,
        `new connections: ${churned.filter((c) => c.kind === "valid" && c.ok).length}/${churned.filter((c) => c.kind === "valid").length} authenticated, joined and echoed (${churned.filter((c) => c.kind === "valid" && c.ok && inOutage(c.at)).length} during the outage); forged tokens refused ${churned.filter((c) => c.kind === "forged" && c.ok).length}/${churned.filter((c) => c.kind === "forged").length}`,
      ],
    );

    // No crash, no hang: both processes up, every /healthz answered 200 in time, no member cut off.
    expect(gw.a.child.exitCode ?? gw.a.child.signalCode).toBeNull();
    expect(gw.b.child.exitCode ?? gw.b.child.signalCode).toBeNull();
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(members.flatMap((m) => m.closes)).toEqual([]);
    expect(ledger.duplicates).toBe(0);
    // /healthz said degraded only while Redis was away, and ok before and after.
    expect(samples.filter((s) => s.state === "degraded" && (s.at < stopSignal || s.at > Math.max(recoveredAt.a, recoveredAt.b)))).toEqual([]);
    expect(samples.filter((s) => s.at < stopSignal).every((s) => s.state === "ok")).toBe(true);

    // Limits held: each flooder got exactly MSG_PER_MINUTE frames (its join and the messages) and was closed.
    for (const f of floods) expect(f).toEqual({ echoed: MSG_PER_MINUTE - 1, code: 4008 });
    for (const name of ["a", "b"] as const) {
      expect(gw[name].output()).toMatch(new RegExp(`"event":"rate_limited".*"scope":"message".*"userId":"flooder-${name}"`));
    }
    // The connection cap held: cluster-wide before, per instance (counting every connection it holds) during, cluster-wide again after.
    expect({ capBefore, capOutage, capAfter }).toEqual({ capBefore: 0, capOutage: { a: MAX_CONN_PER_USER - 3, b: MAX_CONN_PER_USER - 2 }, capAfter: { a: 0, b: 0 } });
    // The device nonce spent on a before the outage is still spent for b after Redis came back empty.
    expect([device.status, replayAfter]).toEqual([202, 401]);
    // Writing leases and nonces back needed nothing the gateway's Redis ACL user is not granted.
    expect(await redis.aclDenials()).toEqual([]);
    // Authentication held: every new connection authenticated during the outage too; every forged token refused.
    expect(churned.filter((c) => !c.ok)).toEqual([]);
    expect(churned.filter((c) => c.kind === "valid" && inOutage(c.at)).length).toBeGreaterThanOrEqual(5);
    expect(churned.filter((c) => c.kind === "forged" && inOutage(c.at)).length).toBeGreaterThanOrEqual(1);

    // Fan-out: same instance loses nothing in any phase; across, nothing before and nothing once resumed.
    const lost = (phase: string, path: string) => counts.find((c) => c.phase === phase && c.path === path)?.lost ?? 0;
    for (const phase of ["before", "outage", "reconnecting", "after"]) expect({ phase, lost: lost(phase, "same instance") }).toEqual({ phase, lost: 0 });
    expect(lost("before", "across instances")).toBe(0);
    expect(lost("after", "across instances")).toBe(0);
    expect(counts.find((c) => c.phase === "after" && c.path === "across instances")!.delivered).toBeGreaterThan(0);
    expect(resumed - ready).toBeLessThanOrEqual(RESUME_BOUND_MS);
  });
});

/** How many of `tries` new connections of one user the gateway admits (each closed again at once). */
async function admitted(wsUrl: string, jwt: string, tries: number): Promise<number> {
  const clients: TestClient[] = [];
  let count = 0;
  for (let i = 0; i < tries; i++) {
    const client = TestClient.connect(wsUrl);
    clients.push(client);
    await client.opened;
    client.send({ type: "auth", token: jwt });
    const answer = await client.next(undefined, 5000);
    if (answer.type !== "auth_ok") {
      expect(answer).toEqual({ type: "error", code: "RATE_LIMITED" });
      break;
    }
    count++;
  }
  for (const c of clients) c.close();
  return count;
}

/** A new client floods its own room, one message after the other's echo, until the gateway closes it. */
async function flood(wsUrl: string, user: string): Promise<{ echoed: number; code: number }> {
  const client = await TestClient.authed(wsUrl, await token({ sub: user, rooms: [user] }));
  await client.join(user);
  let echoed = 0;
  let code: number | undefined;
  void client.closed.then((c) => (code = c.code));
  for (let i = 0; i < MSG_PER_MINUTE + 50 && code === undefined; i++) {
    client.send({ type: "message", room: user, text: `flood ${i}` });
    const frame = await client.next(undefined, 5000).catch(() => undefined);
    if (frame?.type === "message") echoed++;
    else break;
  }
  return { echoed, code: (await withTimeout(client.closed, 5000, `${user} closed`)).code };
}

interface Churned {
  readonly kind: "valid" | "forged";
  readonly at: number;
  readonly ok: boolean;
}

/** New clients, one after the other on alternating instances: a valid one connects, authenticates, joins and round-trips a message; every fourth a forged token must be refused. */
function churnLoop(gw: Record<"a" | "b", GatewayProcess>): { stop(): Promise<Churned[]> } {
  const results: Churned[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped && i < 200; i++) {
      const url = (i % 2 === 0 ? gw.a : gw.b).wsUrl;
      const at = performance.now();
      if (i % 4 === 3) {
        const client = TestClient.connect(url);
        const ok = await client.opened
          .then(async () => {
            client.send({ type: "auth", token: await token({ sub: `forger-${i}`, secret: "not-the-gateway-secret-0123456789abcdef" }) });
            return (await withTimeout(client.closed, 5000, "forged close")).code === 4003;
          })
          .catch(() => false);
        results.push({ kind: "forged", at, ok });
      } else {
        const room = `churn-${i}`;
        const ok = await (async () => {
          const client = await TestClient.authed(url, await token({ sub: `churn-${i}`, rooms: [room] }));
          const joined = await client.join(room);
          client.send({ type: "message", room, text: "hello" });
          const echo = await client.next("message", 5000);
          client.close();
          return joined.type === "joined" && echo.text === "hello";
        })().catch(() => false);
        results.push({ kind: "valid", at, ok });
      }
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return results;
    },
  };
}
