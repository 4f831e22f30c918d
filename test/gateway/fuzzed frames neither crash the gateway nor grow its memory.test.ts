import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "./support/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

function fuzzFrames(count: number, seed: number): (string | Buffer)[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const valid = [
    { type: "join", room: "demo" },
    { type: "message", room: "demo", text: "hello" },
    { type: "leave", room: "demo" },
    { type: "reauth", token: "x.y.z" },
  ];
  const frames: (string | Buffer)[] = [];
  for (let i = 0; i < count; i++) {
    switch (Math.floor(r() * 10)) {
      case 0: frames.push(randomBytes(1 + Math.floor(r() * 512))); break; // binary
      case 1: frames.push(randomBytes(1 + Math.floor(r() * 256)).toString("latin1")); break;
      case 2: frames.push("[".repeat(1 + Math.floor(r() * 4000))); break;
      case 3: frames.push(`{"type":"message","room":"demo","text":${JSON.stringify("é".repeat(Math.floor(r() * 3000)))}}`); break;
      case 4: frames.push(JSON.stringify({ ...pick(valid), __proto__: { admin: true }, constructor: { prototype: { x: 1 } } })); break;
      case 5: frames.push(JSON.stringify({ type: pick(["join", "message", "auth", "reauth", "", null, 1, [], {}]), room: pick(["demo", "", "a".repeat(200), 5, null, "../x", "demo\u0000"]), text: pick(["x", "", 7, null, {}, "y".repeat(2500)]) })); break;
      case 6: frames.push(JSON.stringify(pick(valid)).slice(0, Math.floor(r() * 30))); break;
      case 7: frames.push(String(r() * 1e308)); break;
      case 8: frames.push(JSON.stringify({ type: "message", room: "demo", text: "t", extra: "z".repeat(Math.floor(r() * 1000)) })); break;
      default: frames.push(JSON.stringify(pick(valid)));
    }
  }
  return frames;
}

describe("fuzzing the WebSocket protocol", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ MSG_PER_MINUTE: "1000000", HEARTBEAT_MS: "600000" });
  });
  afterAll(() => gw.close());

  async function round(seed: number): Promise<void> {
    const frames = fuzzFrames(2000, seed);
    const jwt = await token({ sub: `fuzzer-${seed}` });
    let client = await TestClient.authed(gw.wsUrl, jwt);
    for (let i = 0; i < frames.length; i++) {
      if (client.ws.readyState !== client.ws.OPEN) {
        client = await TestClient.authed(gw.wsUrl, jwt);
      }
      const f = frames[i]!;
      client.ws.send(f, { binary: Buffer.isBuffer(f) });
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    // Unauthenticated fuzz too: each connection gets one random first frame.
    for (const f of fuzzFrames(200, seed + 1)) {
      const c = TestClient.connect(gw.wsUrl);
      await c.opened;
      c.ws.send(f, { binary: Buffer.isBuffer(f) });
      await c.closed;
    }
    client.ws.close();
    await client.closed;
  }

  it("keeps serving through 3 x 2,200 random and malformed frames with a flat heap", async () => {
    await round(1);
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const baseline = process.memoryUsage().heapUsed;
    await round(2);
    await round(3);
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const after = process.memoryUsage().heapUsed;
    const growthMb = (after - baseline) / 1024 / 1024;
    console.log(`heap after round 1: ${(baseline / 1048576).toFixed(1)} MB, after round 3: ${(after / 1048576).toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(4);

    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const fresh = await TestClient.authed(gw.wsUrl, await token({ sub: "after-fuzz" }));
    expect(await fresh.join("demo")).toMatchObject({ type: "joined" });
    fresh.close();
    await fresh.closed;
    await new Promise((r) => setTimeout(r, 100));
    expect(await (await fetch(gw.metricsUrl)).text()).toMatch(/^active_connections 0$/m);
    expect(gw.logs().filter((l) => l.level === "error")).toEqual([]);
  }, 120_000);
});
