/**
 * Real WebRTC participants (@livekit/rtc-node: libwebrtc through LiveKit's Rust SDK) in this Node
 * process: one publishes a sine wave, another counts the audio frames it receives. Every ICE server a
 * participant uses is the one the gateway's `joined` answer gave it; LiveKit's own list is never used
 * (a non-empty client list replaces it), so no STUN request leaves the suite's network.
 */
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  ConnectionState,
  ContinualGatheringPolicy,
  IceServer,
  IceTransportType,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type RemoteTrack,
} from "@livekit/rtc-node";

export interface GatewayIceServer {
  urls: string[];
  username: string;
  credential: string;
}

export interface ConnectOptions {
  iceServers: readonly GatewayIceServer[];
  /** Only TURN relay candidates: media must go through coturn. */
  relayOnly: boolean;
}

const SAMPLE_RATE = 48_000;
const FRAME_MS = 10;
const SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;

export async function joinRoom(url: string, token: string, options: ConnectOptions): Promise<Room> {
  const room = new Room();
  await room.connect(url, token, {
    autoSubscribe: true,
    dynacast: false,
    rtcConfig: {
      iceTransportType: options.relayOnly ? IceTransportType.TRANSPORT_RELAY : IceTransportType.TRANSPORT_ALL,
      continualGatheringPolicy: ContinualGatheringPolicy.GATHER_CONTINUALLY,
      iceServers: options.iceServers.map((s) => new IceServer({ urls: [...s.urls], username: s.username, password: s.credential })),
    },
  });
  return room;
}

/** Publishes a 440 Hz tone until `stop()`; frames are paced in real time. */
export async function publishTone(room: Room): Promise<{ sent: () => number; stop: () => Promise<void> }> {
  const source = new AudioSource(SAMPLE_RATE, 1);
  const track = LocalAudioTrack.createAudioTrack("tone", source);
  await room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  let sent = 0;
  let running = true;
  const loop = (async () => {
    let phase = 0;
    while (running) {
      const frame = AudioFrame.create(SAMPLE_RATE, 1, SAMPLES);
      for (let i = 0; i < SAMPLES; i++) frame.data[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (phase + i)) / SAMPLE_RATE));
      phase += SAMPLES;
      await source.captureFrame(frame);
      sent++;
    }
  })();
  return {
    sent: () => sent,
    stop: async () => {
      running = false;
      await loop;
      await source.close();
    },
  };
}

export interface Reception {
  /** Milliseconds from `since` to the first frame with sound in it. */
  firstFrameMs: number;
  frames: number;
  /** Frames whose samples are not all zero (LiveKit sends silence until media flows). */
  audible: number;
}

/**
 * Waits for the first remote audio track of `room`, then reads frames until `frames` audible ones have
 * arrived or `timeoutMs` passed. Resolves with what arrived (the caller asserts).
 */
export async function receiveAudio(room: Room, frames: number, timeoutMs: number, since = Date.now()): Promise<Reception> {
  const track = await new Promise<RemoteTrack | undefined>((resolve) => {
    for (const p of room.remoteParticipants.values()) {
      for (const pub of p.trackPublications.values()) if (pub.track && pub.track.kind === TrackKind.KIND_AUDIO) return resolve(pub.track as RemoteTrack);
    }
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    room.on(RoomEvent.TrackSubscribed, (t: RemoteTrack) => {
      if (t.kind === TrackKind.KIND_AUDIO) {
        clearTimeout(timer);
        resolve(t);
      }
    });
  });
  if (!track) return { firstFrameMs: -1, frames: 0, audible: 0 };
  const stream = new AudioStream(track, SAMPLE_RATE, 1);
  const reader = stream.getReader();
  let count = 0;
  let audible = 0;
  let first = -1;
  const deadline = since + timeoutMs;
  try {
    while (audible < frames && Date.now() < deadline) {
      const next = await Promise.race([
        reader.read(),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), Math.max(1, deadline - Date.now()))),
      ]);
      if (!next || next.done) break;
      count++;
      if (next.value.data.some((s) => s !== 0)) {
        audible++;
        if (first < 0) first = Date.now() - since;
      }
    }
  } finally {
    reader.releaseLock();
    await stream.cancel().catch(() => undefined);
  }
  return { firstFrameMs: first, frames: count, audible };
}

export async function leave(...rooms: (Room | undefined)[]): Promise<void> {
  for (const r of rooms) {
    if (r && r.connectionState !== ConnectionState.CONN_DISCONNECTED) await r.disconnect().catch(() => undefined);
  }
}

/** What refusing a connection looks like to the client: the error's message (undefined when it connected). */
export async function connectError(url: string, token: string, options: ConnectOptions): Promise<string | undefined> {
  const room = new Room();
  try {
    await room.connect(url, token, {
      autoSubscribe: false,
      dynacast: false,
      rtcConfig: {
        iceTransportType: options.relayOnly ? IceTransportType.TRANSPORT_RELAY : IceTransportType.TRANSPORT_ALL,
        continualGatheringPolicy: ContinualGatheringPolicy.GATHER_ONCE,
        iceServers: options.iceServers.map((s) => new IceServer({ urls: [...s.urls], username: s.username, password: s.credential })),
      },
    });
    await room.disconnect();
    return undefined;
  } catch (err) {
    return (err as Error).message || String(err);
  }
}
