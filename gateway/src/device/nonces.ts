/**
 * Replay cache for device nonces. A signed request stays acceptable for up to 2 x 300 s (its
 * timestamp may be 300 s ahead or behind), so a nonce is remembered that long. Redis (SET NX EX)
 * makes it cluster-wide; this instance also remembers its own nonces, so replays against it are
 * caught even while Redis is away, and writes them to Redis again when it is back (a Redis that
 * restarted empty would otherwise let another instance accept a replay).
 */
import type { SharedRedis } from "../limits/redis.js";
import { SIGNATURE_WINDOW_SECONDS } from "./signature.js";
import { redisKey } from "../limits/keys.js";

const REMEMBER_MS = (2 * SIGNATURE_WINDOW_SECONDS + 5) * 1000;

export interface NonceCache {
  /** True when the nonce is new (and now taken), false when it was seen before. */
  claim(deviceId: string, nonce: string): Promise<boolean>;
  close(): void;
}

export function createNonceCache(redis: SharedRedis | undefined): NonceCache {
  const local = new Map<string, number>(); // key -> forget-after (ms)
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, until] of local) if (until <= now) local.delete(key);
  }, 30_000);
  sweep.unref();

  const writeBack = () => {
    if (!redis || local.size === 0 || !redis.client.isReady) return;
    const now = Date.now();
    const batch = redis.client.multi();
    for (const [key, until] of local) {
      if (until > now) batch.set(key, "1", { condition: "NX", expiration: { type: "PX", value: until - now } });
    }
    batch.execAsPipeline().catch(() => undefined);
  };
  redis?.client.on("ready", writeBack);

  return {
    async claim(deviceId, nonce) {
      const key = redisKey("nonce", deviceId, nonce);
      const now = Date.now();
      const seenUntil = local.get(key);
      if (seenUntil !== undefined && seenUntil > now) return false;
      local.set(key, now + REMEMBER_MS);
      if (!redis || !redis.client.isReady) return true;
      try {
        const set = await redis.client.set(key, "1", { condition: "NX", expiration: { type: "PX", value: REMEMBER_MS } });
        return set === "OK";
      } catch {
        return true;
      }
    },
    close() {
      clearInterval(sweep);
      redis?.client.off("ready", writeBack);
    },
  };
}
