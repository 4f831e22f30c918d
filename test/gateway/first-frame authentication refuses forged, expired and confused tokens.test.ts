import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient, withTimeout } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { JWT_SECRET, noneToken, token } from "./support/tokens.js";

async function firstFrameVerdict(gw: TestGateway, frame: object | string) {
  const c = TestClient.connect(gw.wsUrl);
  await c.opened;
  c.send(frame);
  const reply = await c.next();
  const closed = await withTimeout(c.closed, 3000, "close");
  return { reply, closed };
}

describe("authentication by the first frame (HS256)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_TIMEOUT_MS: "400", JWT_ISSUER: "rampart-test", JWT_AUDIENCE: "rampart-gateway" });
  });
  afterAll(() => gw.close());
  const good = (o: Parameters<typeof token>[0] = {}) => token({ iss: "rampart-test", aud: "rampart-gateway", ...o });

  it("answers auth_ok with the user and expiry for a valid token", async () => {
    const jwt = await good({ sub: "alice", expiresIn: 120 });
    const c = TestClient.connect(gw.wsUrl);
    await c.opened;
    c.send({ type: "auth", token: jwt });
    const ok = await c.next();
    expect(ok).toMatchObject({ type: "auth_ok", userId: "alice" });
    expect(ok.expiresAt).toBe(JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).exp);
    c.close();
  });

  it.each([
    ["a token signed with another key", () => good({ secret: "another-secret-another-secret-another-secret" })],
    ["an alg:none token", async () => noneToken()],
    ["an expired token", () => good({ expiresIn: -60 })],
    ["a token from another issuer", () => good({ iss: "someone-else" })],
    ["a token for another audience", () => good({ aud: "other-service" })],
    ["a token without exp", () => new SignJWT({ rooms: ["demo"] }).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setIssuer("rampart-test").setAudience("rampart-gateway").sign(new TextEncoder().encode(JWT_SECRET))],
    ["a token without sub", () => new SignJWT({ rooms: ["demo"] }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").setIssuer("rampart-test").setAudience("rampart-gateway").sign(new TextEncoder().encode(JWT_SECRET))],
    ["a HS512 token with the right secret (algorithm not pinned)", () => new SignJWT({ rooms: ["demo"] }).setProtectedHeader({ alg: "HS512" }).setSubject("alice").setExpirationTime("1h").setIssuer("rampart-test").setAudience("rampart-gateway").sign(new TextEncoder().encode(JWT_SECRET + JWT_SECRET))],
    ["garbage", async () => "not.a.jwt"],
  ])("refuses %s with AUTH_FAILED and close 4003", async (_what, make) => {
    const before = gw.security("auth_failed").length;
    const { reply, closed } = await firstFrameVerdict(gw, { type: "auth", token: await make() });
    expect(reply).toEqual({ type: "error", code: "AUTH_FAILED" });
    expect(closed.code).toBe(4003);
    expect(gw.security("auth_failed").length).toBe(before + 1);
  });

  it("answers AUTH_REQUIRED and closes 4003 when any other frame comes first", async () => {
    for (const frame of [{ type: "join", room: "demo" }, { type: "message", room: "demo", text: "hi" }, "not json", { type: "auth" }]) {
      const { reply, closed } = await firstFrameVerdict(gw, frame);
      expect(reply).toEqual({ type: "error", code: "AUTH_REQUIRED" });
      expect(closed.code).toBe(4003);
    }
  });

  it("closes 4001 when the client stays silent past AUTH_TIMEOUT_MS", async () => {
    const c = TestClient.connect(gw.wsUrl);
    await c.opened;
    const started = Date.now();
    const closed = await withTimeout(c.closed, 3000, "close");
    expect(closed.code).toBe(4001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(gw.security("auth_timeout").length).toBeGreaterThan(0);
  });

  it("metrics count the failures by reason, on the metrics port only", async () => {
    const text = await (await fetch(gw.metricsUrl)).text();
    expect(text).toMatch(/auth_failures_total\{reason="invalid_signature"\} [1-9]/);
    expect(text).toMatch(/auth_failures_total\{reason="expired"\} [1-9]/);
    expect(text).toMatch(/auth_failures_total\{reason="timeout"\} [1-9]/);
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(404);
  });

  it("never logs the token", async () => {
    const jwt = await good({ secret: "another-secret-another-secret-another-secret" });
    await firstFrameVerdict(gw, { type: "auth", token: jwt });
    expect(gw.rawLog.join("")).not.toContain(jwt.split(".")[2]);
  });
});

describe("token expiry and re-authentication", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it("closes 4004 when the token expires", async () => {
    const c = await TestClient.authed(gw.wsUrl, await token({ expiresIn: 2 }));
    const closed = await withTimeout(c.closed, 5000, "expiry close");
    expect(closed.code).toBe(4004);
  });

  it("keeps the connection open past the first expiry after a re-auth with the same sub", async () => {
    const c = await TestClient.authed(gw.wsUrl, await token({ expiresIn: 2 }));
    c.send({ type: "reauth", token: await token({ expiresIn: 60 }) });
    const ok = await c.next("reauth_ok");
    expect(ok.expiresAt).toBeGreaterThan(Date.now() / 1000 + 50);
    await new Promise((r) => setTimeout(r, 3000));
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.close();
  });

  it("closes 4003 on a re-auth for another user or with a bad token", async () => {
    const a = await TestClient.authed(gw.wsUrl, await token({ sub: "alice" }));
    a.send({ type: "reauth", token: await token({ sub: "mallory" }) });
    expect((await withTimeout(a.closed, 3000, "close")).code).toBe(4003);
    const b = await TestClient.authed(gw.wsUrl, await token({ sub: "alice" }));
    b.send({ type: "reauth", token: noneToken("alice") });
    expect((await withTimeout(b.closed, 3000, "close")).code).toBe(4003);
  });

  it("drops rooms the new token no longer grants", async () => {
    const c = await TestClient.authed(gw.wsUrl, await token({ rooms: ["demo", "ops"] }));
    expect(await c.join("ops")).toMatchObject({ type: "joined", room: "ops" });
    c.send({ type: "reauth", token: await token({ rooms: ["demo"] }) });
    expect(await c.next("left")).toEqual({ type: "left", room: "ops" });
    await c.next("reauth_ok");
    c.send({ type: "message", room: "ops", text: "still here?" });
    expect(await c.next("error")).toEqual({ type: "error", code: "FORBIDDEN" });
    c.close();
  });
});

describe("asymmetric keys: algorithms pinned to the key type", () => {
  it("accepts ES256 tokens and refuses an HS256 token signed with the public key (key confusion)", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const gw = await startTestGateway({ JWT_SECRET: "", JWT_PUBLIC_KEY: pem });
    try {
      const es = await new SignJWT({ rooms: ["demo"] }).setProtectedHeader({ alg: "ES256" }).setSubject("alice").setExpirationTime("1h").sign(privateKey);
      const ok = await TestClient.authed(gw.wsUrl, es);
      ok.close();
      const confused = await new SignJWT({ rooms: ["*"] }).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setExpirationTime("1h").sign(new TextEncoder().encode(pem));
      const { reply, closed } = await firstFrameVerdict(gw, { type: "auth", token: confused });
      expect(reply).toEqual({ type: "error", code: "AUTH_FAILED" });
      expect(closed.code).toBe(4003);
      expect(gw.security("auth_failed").at(-1)).toMatchObject({ reason: "algorithm" });
    } finally {
      await gw.close();
    }
  });
});
