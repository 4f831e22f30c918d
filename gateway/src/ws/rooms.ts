/**
 * Room membership on this instance and fan-out to every instance. With Redis each room is a pub/sub
 * channel that an instance subscribes to while it has members there; without Redis (or while it is
 * away) messages reach this instance's members only.
 */
import type { Counter } from "prom-client";
import type { SharedRedis } from "../limits/redis.js";
import type { GatewayLog } from "../log.js";
import { redisKey } from "../limits/keys.js";
import { sealFanout, openFanout } from "./fanout-mac.js";
import { textFrame } from "./text-frame.js";

export interface RoomMember {
  /** `frame` is a complete WebSocket text frame (textFrame), the same bytes for every member. */
  deliver(frame: Buffer): void;
}

export interface RoomHub {
  join(room: string, member: RoomMember): Promise<void>;
  leave(room: string, member: RoomMember): void;
  /** Send an already-serialised frame to every member of the room, on every instance. */
  publish(room: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

const channel = (room: string) => redisKey("room", room);

export interface FanoutOptions {
  /** FANOUT_KEY: every payload on a room channel carries an HMAC under it; others are dropped. */
  readonly key: Uint8Array;
  /** Counts dropped payloads by reason (`fanout_rejected_total`). */
  readonly rejected: Counter<"reason">;
}

export function createRoomHub(redis: SharedRedis | undefined, log: GatewayLog, fanout?: FanoutOptions): RoomHub {
  if (redis && !fanout) throw new Error("a room hub on Redis needs the fan-out key");
  const rooms = new Map<string, Set<RoomMember>>();
  const subscribed = new Set<string>();

  // Framed once per message, not once per recipient.
  const deliverLocally = (room: string, payload: string) => {
    const members = rooms.get(room);
    if (!members) return;
    const frame = textFrame(payload);
    for (const m of members) m.deliver(frame);
  };

  let lastForgeryLog = 0;
  // Anything on a room channel that does not carry our MAC did not come from a gateway: drop it.
  const onChannelMessage = (sealed: string, ch: string) => {
    const opened = openFanout(fanout!.key, ch, sealed);
    if (typeof opened !== "string") {
      fanout!.rejected.inc({ reason: opened.rejected });
      if (Date.now() - lastForgeryLog > 10_000) {
        lastForgeryLog = Date.now();
        log.warn("fan-out payload without a valid MAC dropped", { channel: ch.slice(0, 200), reason: opened.rejected });
      }
      return;
    }
    deliverLocally(ch.slice(redisKey("room", "").length), opened);
  };

  const subscribe = async (room: string) => {
    if (!redis || subscribed.has(room) || !redis.subscriber.isReady) return;
    try {
      await redis.subscriber.subscribe(channel(room), onChannelMessage);
      subscribed.add(room);
    } catch (err) {
      log.warn("room subscribe failed; room is local-only until redis returns", { error: (err as Error).message });
    }
  };

  // Rooms joined during an outage get their channel once Redis is back.
  redis?.subscriber.on("ready", () => {
    for (const room of rooms.keys()) void subscribe(room);
  });

  return {
    async join(room, member) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Set()));
      members.add(member);
      await subscribe(room);
    },
    leave(room, member) {
      const members = rooms.get(room);
      if (!members) return;
      members.delete(member);
      if (members.size > 0) return;
      rooms.delete(room);
      if (redis && subscribed.delete(room)) redis.subscriber.unsubscribe(channel(room), onChannelMessage).catch(() => undefined);
    },
    async publish(room, payload) {
      if (!redis || !redis.client.isReady) return deliverLocally(room, payload);
      // Our own subscription echoes the message back to our members; if it is not live, deliver here.
      const viaChannel = subscribed.has(room) && redis.subscriber.isReady;
      try {
        await redis.client.publish(channel(room), sealFanout(fanout!.key, channel(room), payload));
        if (!viaChannel) deliverLocally(room, payload);
      } catch {
        deliverLocally(room, payload);
      }
    },
    async close() {
      rooms.clear();
      subscribed.clear();
    },
  };
}
