/**
 * One of two gateway instances (`npm start` child processes on one real Redis, Rampart's rendered
 * configuration and ACL) killed with SIGKILL while SDK clients on both message one room. The killed
 * instance's clients list it first and the survivor second; the survivor's clients the other way round.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { startGatewayProcess, type GatewayProcess } from "../gateway/support/gateway.js";
import { startRedis, type TestRedis } from "../gateway/support/redis.js";
import { Ledger } from "./support/room-load.js";
import { SdkMember } from "./support/sdk-member.js";
import { ms, percentile, printFigures, sleep } from "./support/figures.js";

const PER_INSTANCE = 10;
const TICK_MS = 250;
const ROOM = "load";
/** The SDK's first retry window (its default `backoff.initialMs`): a failover needs one attempt. */
const FIRST_WINDOW_MS = 500;
/** Connecting, authenticating and rejoining on the other instance, on a loaded 2-core machine. */
const HANDSHAKE_ALLOWANCE_MS = 3000;

describeWithBinaries(["redis-server"])("a gateway instance killed with SIGKILL under load", () => {
  let redis: TestRedis;
  let doomed: GatewayProcess;
  let survivor: GatewayProcess;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, MSG_PER_MINUTE: "600" };
    [doomed, survivor] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([doomed?.stop(), survivor?.stop()]);
    await redis?.stop();
  });

  it("its clients are back on the other instance, authenticated and rejoined, within one backoff window; nobody else notices", async () => {
    const ledger = new Ledger();
    const victims = Array.from({ length: PER_INSTANCE }, (_, i) => new SdkMember(`victim-${i}`, [doomed.wsUrl, survivor.wsUrl], ROOM, ledger));
    const bystanders = Array.from({ length: PER_INSTANCE }, (_, i) => new SdkMember(`bystander-${i}`, [survivor.wsUrl, doomed.wsUrl], ROOM, ledger));
    const everyone = [...victims, ...bystanders];
    await Promise.all(everyone.map((m) => m.start()));
    expect(victims.every((v) => v.client.url === doomed.wsUrl)).toBe(true);
    const bystanderStates = bystanders.map((b) => b.states.length);

    let ticks = 0;
    const load = setInterval(() => {
      if (++ticks >= 80) clearInterval(load);
      for (const m of everyone) m.send();
    }, TICK_MS);
    await sleep(3000);

    const killed = performance.now();
    process.kill(doomed.child.pid!, "SIGKILL");
    const recovered = await Promise.all(victims.map((v) => v.openedAfter(killed, FIRST_WINDOW_MS + HANDSHAKE_ALLOWANCE_MS + 5000)));
    const allBack = Math.max(...recovered);
    await sleep(3000);
    clearInterval(load);
    await sleep(1000); // the last messages in flight

    const times = recovered.map((t) => t - killed);
    const group = (name: string) => (name.startsWith("victim") ? "victim" : "bystander");
    const phaseOf = (at: number) => (at < killed ? "before the kill" : at <= allBack ? "failing over" : "after");
    const rows = new Map<string, { due: number; delivered: number }>();
    for (const sent of ledger.sent.values()) {
      for (const to of everyone) {
        if (to.name === sent.from) continue;
        const key = `${phaseOf(sent.at)}|${group(sent.from)} → ${group(to.name)}`;
        const row = rows.get(key) ?? { due: 0, delivered: 0 };
        row.due++;
        if (ledger.delivered(sent.id, to.name)) row.delivered++;
        rows.set(key, row);
      }
    }
    const lost = (phase: string, path: string) => {
      const row = rows.get(`${phase}|${path}`);
      return row ? row.due - row.delivered : 0;
    };
    printFigures(
      "one gateway instance killed with SIGKILL (two instances, one Redis)",
      [["phase", "from → to", "deliveries due", "delivered", "lost"], ...[...rows].map(([key, r]) => [...key.split("|"), r.due, r.delivered, r.due - r.delivered])],
      [
        `load: ${PER_INSTANCE} SDK clients per instance in one room, one message each per ${TICK_MS} ms; ${ledger.sent.size} messages, ${ledger.duplicates} duplicates`,
        `time from SIGKILL to recovered (re-authenticated and rejoined on the other instance): p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, max ${ms(Math.max(...times))} (first backoff window ${ms(FIRST_WINDOW_MS)})`,
        `close seen ${ms(percentile(victims.map((v) => v.closes[0]!.at - killed), 50))} after the kill (p50), retry delays drawn: max ${ms(Math.max(...victims.map((v) => v.closes[0]!.retryInMs!)))}`,
        `bystanders: ${bystanders.reduce((n, b) => n + b.closes.length, 0)} closes, ${bystanders.reduce((n, b, i) => n + b.states.length - bystanderStates[i]!, 0)} state changes`,
      ],
    );

    // The killed instance's clients: one 1006 each, one retry within the first window, now on the survivor.
    for (const v of victims) {
      expect(v.closes.map((c) => c.code)).toEqual([1006]);
      expect(v.closes[0]!.retryInMs).toBeLessThanOrEqual(FIRST_WINDOW_MS);
      expect(v.client.url).toBe(survivor.wsUrl);
      expect(v.client.state).toBe("open");
    }
    for (const [i, t] of times.entries()) expect(t).toBeLessThanOrEqual(victims[i]!.closes[0]!.at - killed + victims[i]!.closes[0]!.retryInMs! + HANDSHAKE_ALLOWANCE_MS);

    // Nobody else noticed: no close, no state change, nothing lost between them, the survivor up.
    expect(bystanders.flatMap((b) => b.closes)).toEqual([]);
    expect(bystanders.map((b) => b.states.length)).toEqual(bystanderStates);
    for (const phase of ["before the kill", "failing over", "after"]) expect({ phase, lost: lost(phase, "bystander → bystander") }).toEqual({ phase, lost: 0 });
    expect(survivor.child.exitCode ?? survivor.child.signalCode).toBeNull();
    // Once everyone is back, nothing is lost on any path; nothing ever arrives twice.
    for (const path of ["victim → victim", "victim → bystander", "bystander → victim"]) expect({ path, lost: lost("after", path) }).toEqual({ path, lost: 0 });
    expect(ledger.duplicates).toBe(0);
    for (const m of everyone) m.client.close();
  });
});
