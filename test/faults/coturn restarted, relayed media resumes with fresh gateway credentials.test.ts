/**
 * Fault: coturn restarts while two relay-only participants exchange audio through it. Every allocation
 * dies with the process. The participants ask the gateway for a fresh `joined` answer (new TURN
 * credentials, new LiveKit token) and reconnect relay-only; the figure is the time from the restart to the
 * first audible frame again. Whether LiveKit's SDK recovers the old session by itself is reported too.
 * The hardened containers come from their components (test/containers/support/media-stack.ts).
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { port } from "@rampart/catalogue";
import { dispose, RoomEvent, type Room } from "@livekit/rtc-node";
import { describeWithEngine, LOCAL_IMAGES } from "../containers/support/engine-gate";
import { listeningSockets } from "../containers/support/sockets";
import { joinRoom, leave, publishTone } from "../containers/support/webrtc";
import { gatewayJoin, startMedia, watchAudio, type MediaRun } from "./support/livekit-media";

const describeEngine = describeWithEngine([LOCAL_IMAGES.livekit, LOCAL_IMAGES.redis, LOCAL_IMAGES.coturn, LOCAL_IMAGES.gateway]);
/** A restarted coturn must carry media again within this bound (fresh credentials, new allocations). */
const RESTORE_BOUND_MS = 60_000;

describeEngine("fault: coturn restarted under relay-only media", () => {
  let run: MediaRun;
  const rooms: Room[] = [];

  beforeAll(async () => {
    run = await startMedia("fcoturn", ["redis", "coturn", "livekitA", "gateway"]);
  });
  afterAll(async () => {
    await leave(...rooms);
    await dispose().catch(() => undefined);
    const leftovers = await run?.engine.cleanup();
    if (leftovers && leftovers.length > 0) throw new Error(`cleanup left: ${leftovers.join("; ")}`);
  });

  const relays = async () => {
    const range = port("turn-relay-udp-local");
    return (await listeningSockets(run.engine, run.ids.coturn!)).filter((s) => s.protocol === "udp" && s.address === run.plan.address.coturn && s.port >= range.from && s.port <= range.to);
  };

  async function relayedPair(room: string) {
    const a = await gatewayJoin(run.plan, "alice", room);
    const b = await gatewayJoin(run.plan, "bob", room);
    const publisher = await joinRoom(a.livekit.url, a.livekit.token, { iceServers: a.iceServers, relayOnly: true });
    rooms.push(publisher);
    const tone = await publishTone(publisher);
    const subscriber = await joinRoom(b.livekit.url, b.livekit.token, { iceServers: b.iceServers, relayOnly: true });
    rooms.push(subscriber);
    return { a, b, publisher, subscriber, tone, watch: watchAudio(subscriber) };
  }

  it("a relayed session re-allocates with fresh credentials from the gateway after coturn restarts", async () => {
    const before = await relayedPair("relay-fault");
    expect(await before.watch.audibleAfter(0, 100, 60_000), "relay-only media before the fault").toBeGreaterThan(0);
    let sdkReconnected = false;
    let sdkDisconnected = false;
    before.subscriber.on(RoomEvent.Reconnected, () => (sdkReconnected = true));
    before.subscriber.on(RoomEvent.Disconnected, () => (sdkDisconnected = true));
    const allocationsBefore = (await relays()).length;

    const restartAt = Date.now();
    execFileSync("docker", ["restart", "-t", "5", run.ids.coturn!], { timeout: 60_000 });
    await run.engine.waitHealthy(run.ids.coturn!, "coturn (restarted)", 120_000);
    const healthyAt = Date.now();
    // Allocations die with the process; what is counted here was allocated again after the start.
    const allocationsAfterRestart = (await relays()).length;

    // Does the old session come back by itself? Bounded look: 10 s after coturn is healthy.
    const selfRecovered = await before.watch.audibleAfter(healthyAt, 50, 10_000);

    // The application's recovery: fresh credentials from the gateway, a new relay-only session.
    await before.tone.stop();
    await before.watch.stop();
    await leave(before.publisher, before.subscriber);
    const after = await relayedPair("relay-fault");
    expect(after.a.iceServers[0]!.username).not.toBe(before.a.iceServers[0]!.username);
    expect(after.b.iceServers[0]!.username).not.toBe(before.b.iceServers[0]!.username);
    const restoredAt = await after.watch.audibleAfter(restartAt, 100, RESTORE_BOUND_MS);
    const allocationsNow = (await relays()).length;
    await after.tone.stop();
    await after.watch.stop();

    expect(restoredAt, "audible relayed media again").toBeGreaterThan(0);
    expect(allocationsNow, "new allocations on the restarted coturn").toBeGreaterThanOrEqual(2);
    const figures = {
      allocationsBefore,
      allocationsAfterRestart,
      allocationsNow,
      restartToHealthyMs: healthyAt - restartAt,
      oldSessionRecoveredBySdk: selfRecovered > 0 ? `yes, ${selfRecovered - restartAt} ms after the restart` : "no (within 10 s of coturn healthy)",
      sdkEvents: { reconnected: sdkReconnected, disconnected: sdkDisconnected },
      restartToMediaRestoredMs: restoredAt - restartAt,
      freshCredentials: `${before.a.iceServers[0]!.username} -> ${after.a.iceServers[0]!.username}`,
    };
    console.log(`\nFault: coturn restarted under relay-only media\n${JSON.stringify(figures, null, 2)}`);
  });
});
