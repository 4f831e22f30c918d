import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient, withTimeout } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";

/**
 * Many users behind one address (a carrier-grade NAT, an office egress): the gateway trusts the loopback
 * proxy, so each client below says which address it comes from with CF-Connecting-IP, and most of them
 * share one. Authenticated misbehaviour must be charged to the user; only what happens before anyone is
 * authenticated is charged to the address, at thresholds such an address can carry.
 */
const SHARED = "203.0.113.50";

const at = (ip: string) => ({ headers: { "CF-Connecting-IP": ip } });

async function authedFrom(gw: TestGateway, ip: string, sub: string, rooms: string[] = ["*"]): Promise<TestClient> {
  const c = TestClient.connect(gw.wsUrl, at(ip));
  await c.opened;
  c.send({ type: "auth", token: await token({ sub, rooms }) });
  const verdict = await c.next();
  if (verdict.type !== "auth_ok") throw new Error(`${sub} from ${ip}: ${JSON.stringify(verdict)}`);
  return c;
}

/** Open from `ip` and authenticate as `sub`: the first answer, and the close code if it closed. */
async function tryAuth(gw: TestGateway, ip: string, sub: string): Promise<{ status: number | "open"; frame?: string; code?: number }> {
  const c = TestClient.connect(gw.wsUrl, at(ip));
  const opened = await Promise.race([c.opened.then(() => "open" as const), c.refused]);
  if (opened !== "open") return { status: opened };
  c.send({ type: "auth", token: await token({ sub }) });
  const frame = await c.next();
  if (frame.type === "auth_ok") {
    c.close();
    return { status: "open", frame: frame.type };
  }
  return { status: "open", frame: String(frame.code), code: (await withTimeout(c.closed, 3000, "close")).code };
}

describe("anomaly blocks behind a shared address", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      TRUSTED_PROXIES: "127.0.0.1/32",
      // The shipped thresholds for reconnects (an empty value means the default).
      ANOMALY_RAPID_RECONNECT: "",
      ANOMALY_USER_RECONNECT: "",
      // Low enough that three failed re-auths would block the shared address if they were charged to it.
      ANOMALY_FAILED_AUTH: "2/300",
      ANOMALY_USER_FAILED_AUTH: "2/300",
      ANOMALY_ROOM_HOPPING: "5/60",
      ANOMALY_ALLOWLIST: "198.51.100.0/24, 2001:db8:ffff::/48",
      PINGS_PER_MINUTE: "10",
      MSG_PER_MINUTE: "1000",
      MAX_CONN_PER_USER: "50",
    });
  });
  afterAll(() => gw.close());

  it("lets 40 users behind one address each reconnect twice within a minute (80 upgrades from one IP)", async () => {
    const results: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (let u = 0; u < 40; u++) results.push(String((await tryAuth(gw, SHARED, `nat-user-${u}`)).frame));
    }
    expect(results.filter((r) => r !== "auth_ok")).toEqual([]);
    expect(gw.security("anomaly").filter((l) => l.ip === SHARED)).toEqual([]);
  });

  it("charges one user's reconnect storm to that user: blocked user, open address", async () => {
    const verdicts: (string | undefined)[] = [];
    for (let i = 0; i < 11; i++) verdicts.push((await tryAuth(gw, SHARED, "stormy")).frame);
    expect(verdicts.slice(0, 10)).toEqual(Array(10).fill("auth_ok"));
    expect(verdicts[10]).toBe("RATE_LIMITED");
    const anomaly = gw.security("anomaly").find((l) => l.userId === "stormy");
    expect(anomaly).toMatchObject({ pattern: "rapid_reconnect", subject: "user", charged: "user", ip: SHARED });
    // The user stays blocked; everybody else behind the address is unaffected.
    expect(await tryAuth(gw, SHARED, "stormy")).toMatchObject({ frame: "RATE_LIMITED", code: 4008 });
    expect(await tryAuth(gw, SHARED, "bystander")).toMatchObject({ status: "open", frame: "auth_ok" });
  });

  it("charges room hopping to the user, and the address keeps serving its other users", async () => {
    const hopper = await authedFrom(gw, SHARED, "hopper");
    hopper.pipeline(Array.from({ length: 6 }, (_, i) => ({ type: "join", room: `hop${i}` })));
    expect((await withTimeout(hopper.closed, 5000, "hopper closed")).code).toBe(4008);
    expect(gw.security("anomaly").find((l) => l.userId === "hopper")).toMatchObject({ pattern: "room_hopping", charged: "user" });
    expect(await tryAuth(gw, SHARED, "hopper")).toMatchObject({ frame: "RATE_LIMITED" });
    const neighbour = await authedFrom(gw, SHARED, "neighbour");
    expect(await neighbour.join("hop0")).toMatchObject({ type: "joined" });
    neighbour.close();
  });

  it("charges failed re-auths to the user, never to the address", async () => {
    for (let i = 0; i < 3; i++) {
      const c = await authedFrom(gw, SHARED, "reauther");
      c.send({ type: "reauth", token: await token({ sub: "reauther", secret: "wrong-wrong-wrong-wrong-wrong-wrong-wrong" }) });
      expect((await withTimeout(c.closed, 3000, "close")).code).toBe(4003);
    }
    expect(gw.security("auth_failed").filter((l) => l.userId === "reauther").every((l) => l.charged === "user")).toBe(true);
    expect(gw.security("anomaly").find((l) => l.userId === "reauther")).toMatchObject({ pattern: "failed_auth", subject: "user" });
    expect(await tryAuth(gw, SHARED, "reauther")).toMatchObject({ frame: "RATE_LIMITED" });
    expect(await tryAuth(gw, SHARED, "another")).toMatchObject({ frame: "auth_ok" });
  });

  it("charges unauthenticated failures to the address, and spares an allowlisted one", async () => {
    const wrong = await token({ sub: "x", secret: "wrong-wrong-wrong-wrong-wrong-wrong-wrong" });
    for (const ip of ["192.0.2.60", "198.51.100.60"]) {
      for (let i = 0; i < 4; i++) {
        const c = TestClient.connect(gw.wsUrl, at(ip));
        const opened = await Promise.race([c.opened.then(() => true), c.refused.then(() => false)]);
        if (!opened) break;
        c.send({ type: "auth", token: wrong });
        await withTimeout(c.closed, 3000, "close");
      }
    }
    expect(gw.security("anomaly").find((l) => l.ip === "192.0.2.60")).toMatchObject({ pattern: "failed_auth", subject: "ip", charged: "ip" });
    expect(await withTimeout(TestClient.connect(gw.wsUrl, at("192.0.2.60")).refused, 3000, "blocked")).toBe(429);
    // The operator vouches for 198.51.100.0/24: counted for nobody, blocked never.
    expect(gw.security("anomaly").filter((l) => l.ip === "198.51.100.60")).toEqual([]);
    expect(await tryAuth(gw, "198.51.100.60", "office-user")).toMatchObject({ frame: "auth_ok" });
  });

  it("closes a ping flood with RATE_LIMITED/4008 and a security event charged to the user; the neighbour stays", async () => {
    const flooder = await authedFrom(gw, SHARED, "pinger");
    const neighbour = await authedFrom(gw, SHARED, "quiet");
    let pongs = 0;
    flooder.ws.on("pong", () => pongs++);
    for (let i = 0; i < 200; i++) flooder.ws.ping();
    expect((await withTimeout(flooder.closed, 5000, "flooder closed")).code).toBe(4008);
    expect(flooder.taken("error")).toContainEqual({ type: "error", code: "RATE_LIMITED" });
    expect(pongs).toBeLessThanOrEqual(10);
    expect(gw.security("rate_limited").find((l) => l.scope === "ping" && l.userId === "pinger")).toMatchObject({ charged: "user", ip: SHARED });
    neighbour.ws.ping();
    await new Promise<void>((resolve) => neighbour.ws.once("pong", () => resolve()));
    expect(await neighbour.join("still-here")).toMatchObject({ type: "joined" });
    neighbour.close();
  });

  it("does not cap connections per IP for an allowlisted address, and still does for others", async () => {
    const capped = await startTestGateway({ TRUSTED_PROXIES: "127.0.0.1/32", MAX_CONN_PER_IP: "2", ANOMALY_ALLOWLIST: "198.51.100.0/24" });
    try {
      const office = await Promise.all(Array.from({ length: 5 }, (_, i) => authedFrom(capped, "198.51.100.61", `office-${i}`)));
      const home = [await authedFrom(capped, "192.0.2.61", "home-0"), await authedFrom(capped, "192.0.2.61", "home-1")];
      expect(await withTimeout(TestClient.connect(capped.wsUrl, at("192.0.2.61")).refused, 3000, "ip cap")).toBe(429);
      for (const c of [...office, ...home]) c.close();
    } finally {
      await capped.close();
    }
  });

  it("answers a client's pings within PINGS_PER_MINUTE", async () => {
    const c = await authedFrom(gw, SHARED, "polite");
    let pongs = 0;
    c.ws.on("pong", () => pongs++);
    for (let i = 0; i < 5; i++) c.ws.ping();
    const deadline = Date.now() + 3000;
    while (pongs < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pongs).toBe(5);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.close();
  });
});
