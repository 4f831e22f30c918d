/**
 * Shared by the LiveKit and coturn fault files: the media stack of the container suite (support/media-stack:
 * Redis, coturn, LiveKit nodes and the gateway from their components, under their declared hardening, on
 * an --internal network of this run), the gateway's `joined` answer, and an audio watcher that records
 * when each audible frame arrived, so an outage's gap and the time to media restored can be measured.
 */
import { SignJWT } from "jose";
import WebSocket from "ws";
import { AudioStream, RoomEvent, TrackKind, type RemoteTrack, type Room } from "@livekit/rtc-node";
import { EngineRun } from "../../containers/support/engine";
import { declareMediaStack, mediaEngineSpec, type MediaPlan, type MediaService } from "../../containers/support/media-stack";
import type { GatewayIceServer } from "../../containers/support/webrtc";

export interface MediaRun {
  engine: EngineRun;
  plan: MediaPlan;
  ids: Partial<Record<MediaService, string>>;
}

export async function startMedia(label: string, services: readonly MediaService[]): Promise<MediaRun> {
  const engine = new EngineRun(label);
  const plan = await declareMediaStack();
  const network = await engine.internalNetwork("media", plan.subnet);
  const ids: Partial<Record<MediaService, string>> = {};
  for (const service of services) {
    const { service: declared, helpers } = plan.captured[service];
    for (const [n, h] of helpers.entries()) await engine.launch(`${service}-seed${n}`, mediaEngineSpec(service, h, network, engine.volumeName));
    ids[service] = await engine.launch(service, mediaEngineSpec(service, declared, network, engine.volumeName));
  }
  await Promise.all(services.map((s) => engine.waitHealthy(ids[s]!, s, 180_000)));
  return { engine, plan, ids };
}

export interface Joined {
  livekit: { url: string; token: string };
  iceServers: GatewayIceServer[];
}

/** Authenticates at the gateway container and joins `room`: its `joined` answer (throws otherwise). */
export async function gatewayJoin(plan: MediaPlan, user: string, room: string): Promise<Joined> {
  const jwt = await new SignJWT({ rooms: [room] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(plan.secrets.jwtSecret));
  const ws = new WebSocket(`ws://${plan.address.gateway}:8080/ws`, { origin: plan.origin, perMessageDeflate: false });
  ws.on("error", () => undefined);
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("gateway: no answer within 20 s")), 20_000);
      ws.once("message", (d) => {
        clearTimeout(timer);
        resolve(JSON.parse(d.toString()) as Record<string, unknown>);
      });
    });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  try {
    ws.send(JSON.stringify({ type: "auth", token: jwt }));
    const ok = await next();
    if (ok.type !== "auth_ok") throw new Error(`gateway auth: ${JSON.stringify(ok)}`);
    ws.send(JSON.stringify({ type: "join", room }));
    const answer = await next();
    if (answer.type !== "joined") throw new Error(`gateway join: ${JSON.stringify(answer)}`);
    return answer as unknown as Joined;
  } finally {
    ws.terminate();
  }
}

export interface AudioWatch {
  /** Times (ms since epoch) of every audible frame so far. */
  readonly audibleAt: number[];
  /** Waits until `n` audible frames arrived after `after` (bounded). Resolves the time of the first of them, or -1. */
  audibleAfter(after: number, n: number, timeoutMs: number): Promise<number>;
  /** The longest gap between consecutive audible frames inside [from, to]. */
  longestGap(from: number, to: number): number;
  stop(): Promise<void>;
}

/** Reads every remote audio track the room subscribes to (again after a reconnect) and timestamps frames. */
export function watchAudio(room: Room): AudioWatch {
  const audibleAt: number[] = [];
  const readers: ReadableStreamDefaultReader<unknown>[] = [];
  let stopped = false;
  const read = (track: RemoteTrack) => {
    const stream = new AudioStream(track, 48_000, 1);
    const reader = stream.getReader();
    readers.push(reader as ReadableStreamDefaultReader<unknown>);
    void (async () => {
      try {
        while (!stopped) {
          const next = await reader.read();
          if (next.done) break;
          if (next.value.data.some((s) => s !== 0)) audibleAt.push(Date.now());
        }
      } catch {
        // the track ended with its connection
      }
    })();
  };
  for (const p of room.remoteParticipants.values()) {
    for (const pub of p.trackPublications.values()) if (pub.track && pub.track.kind === TrackKind.KIND_AUDIO) read(pub.track as RemoteTrack);
  }
  room.on(RoomEvent.TrackSubscribed, (t: RemoteTrack) => {
    if (t.kind === TrackKind.KIND_AUDIO) read(t);
  });
  return {
    audibleAt,
    async audibleAfter(after, n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const since = audibleAt.filter((t) => t > after);
        if (since.length >= n) return since[0]!;
        await new Promise((r) => setTimeout(r, 50));
      }
      return -1;
    },
    longestGap(from, to) {
      const inside = [from, ...audibleAt.filter((t) => t >= from && t <= to), to];
      let gap = 0;
      for (let i = 1; i < inside.length; i++) gap = Math.max(gap, inside[i]! - inside[i - 1]!);
      return gap;
    },
    async stop() {
      stopped = true;
      for (const r of readers) await r.cancel().catch(() => undefined);
    },
  };
}
